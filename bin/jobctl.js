#!/usr/bin/env node
// The jobctl command: runs the TypeScript entry point through tsx, so a clone works after `npm ci`.
import { register } from 'tsx/esm/api'

register()
await import('../adapters/cli/main.ts')
