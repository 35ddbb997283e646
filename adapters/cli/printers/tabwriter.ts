/**
 * Go's `text/tabwriter` (the alignment kubectl's tables and `describe` use): a cell is text
 * ended by a tab; a column block is a run of consecutive lines that have a cell in that
 * column, and every cell of a block is padded to the block's widest cell plus `padding`
 * (at least `minWidth`). The text after a line's last tab is not aligned.
 */

/** Tab-writer settings. */
export interface TabwriterOptions {
  readonly minWidth: number
  readonly padding: number
}

/** kubectl's table printer (`printers.GetNewTabWriter`): min width 6, padding 3. */
export const TABLE: TabwriterOptions = { minWidth: 6, padding: 3 }
/** kubectl's describe output (`tabbedString`): min width 0, padding 2. */
export const DESCRIBE: TabwriterOptions = { minWidth: 0, padding: 2 }

/** Aligns the tab-separated `text` as Go's tabwriter does with a space pad character. */
export function alignTabs(text: string, options: TabwriterOptions): string {
  const trailingNewline = text.endsWith('\n')
  const lines = (trailingNewline ? text.slice(0, -1) : text).split('\n').map((line) => line.split('\t'))
  const widths: number[] = []
  const out: string[] = new Array<string>(lines.length)

  const write = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!
      let line = ''
      cells.forEach((cell, j) => {
        line += cell
        if (j < cells.length - 1 && j < widths.length) line += ' '.repeat(Math.max(0, widths[j]! - width(cell)))
      })
      out[i] = line
    }
  }

  const format = (line0: number, line1: number): void => {
    const column = widths.length
    let start = line0
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue
      write(start, i)
      start = i
      let w = options.minWidth
      for (; i < line1 && column < lines[i]!.length - 1; i++) w = Math.max(w, width(lines[i]![column]!) + options.padding)
      widths.push(w)
      format(start, i)
      widths.pop()
      start = i
      i -= 1
    }
    write(start, line1)
  }

  format(0, lines.length)
  return out.join('\n') + (trailingNewline ? '\n' : '')
}

/** Display width in code points, as tabwriter counts UTF-8 runes. */
function width(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}
