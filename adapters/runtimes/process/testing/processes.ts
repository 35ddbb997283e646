/** Looking at host processes from tests. */
import { readFileSync } from 'node:fs'

/** Whether the process exists and is not a zombie waiting for its (new) parent to reap it. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}
