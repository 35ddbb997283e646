import { describe, expect, it } from 'vitest'
import { alignTabs, DESCRIBE, TABLE } from './tabwriter.js'

describe("alignTabs (Go's text/tabwriter)", () => {
  it('pads every cell of a column to the widest plus the padding, at least the minimum width', () => {
    const text = 'NAME\tSTATUS\tAGE\npi\tComplete\t5s\nlonger-name\tRunning\t1m\n'
    expect(alignTabs(text, TABLE)).toBe('NAME          STATUS     AGE\npi            Complete   5s\nlonger-name   Running    1m\n')
  })

  it('aligns each block of consecutive lines with a cell in the column on its own', () => {
    // As in `kubectl describe`: a line without tabs ends the block.
    const text = '    Image:\tperl\n    Port:\t<none>\n    Command:\n      perl\n    Environment:\t<none>\n  Volumes:\t<none>\n'
    expect(alignTabs(text, DESCRIBE)).toBe(
      '    Image:  perl\n    Port:   <none>\n    Command:\n      perl\n    Environment:  <none>\n  Volumes:        <none>\n',
    )
  })

  it('aligns continuation lines that start with a tab under the first value', () => {
    expect(alignTabs('Labels:\ta=b\n\tc=d\nName:\tpi\n', DESCRIBE)).toBe('Labels:  a=b\n         c=d\nName:    pi\n')
  })

  it('aligns nested columns within the block of the column before', () => {
    const text = '  Type\tReason\tAge\n  ----\t------\t---\n  Normal\tSuccessfulCreate\t3s\n'
    expect(alignTabs(text, DESCRIBE)).toBe('  Type    Reason            Age\n  ----    ------            ---\n  Normal  SuccessfulCreate  3s\n')
  })

  it('counts characters, not bytes', () => {
    expect(alignTabs('é\tx\nab\ty\n', DESCRIBE)).toBe('é   x\nab  y\n')
  })
})
