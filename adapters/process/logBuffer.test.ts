import { describe, expect, it } from 'vitest'
import { makeLogBuffer } from './logBuffer.js'

describe('makeLogBuffer', () => {
  it('keeps output in arrival order', () => {
    const log = makeLogBuffer()
    log.append(Buffer.from('out 1\n'))
    log.append(Buffer.from('err 1\n'))
    log.append(Buffer.from('out 2\n'))
    expect(log.text()).toBe('out 1\nerr 1\nout 2\n')
  })

  it('keeps only the last bytes, with a note saying how much was dropped', () => {
    const log = makeLogBuffer(10)
    log.append(Buffer.from('0123456789'))
    log.append(Buffer.from('abcdef'))
    expect(log.text()).toBe('[job-reconciler: 6 bytes of earlier output dropped]\n6789abcdef')
    log.append(Buffer.from('0123456789ABC'))
    expect(log.text()).toBe('[job-reconciler: 19 bytes of earlier output dropped]\n3456789ABC')
  })
})
