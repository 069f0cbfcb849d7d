/**
 * Progress lines on stderr. A line with a count (`started 12/100`, `churn: 25/200 events`) is
 * progress: on a terminal it overwrites the previous progress line; elsewhere (a log file, a pipe)
 * it is printed as a plain line, and only when it passes another tenth of its total, so a log
 * stays short. Any other line is printed as it is.
 */

/** Non-terminal output prints a progress line each time it passes one more of this many steps. */
const PLAIN_STEPS = 10

const COUNT = /(\d+)\/(\d+)/

export interface ProgressWriter {
  line(text: string): void
  /** Ends an open progress line on a terminal; call before printing anything else to the terminal. */
  end(): void
}

export function progressWriter (stream: { isTTY?: boolean, write(text: string): unknown } = process.stderr): ProgressWriter {
  const tty = stream.isTTY === true
  let open = false
  /** Per phase (the text before the count), the last step printed. */
  const lastStep = new Map<string, number>()
  const end = (): void => {
    if (open) stream.write('\n')
    open = false
  }
  return {
    line (text) {
      const count = COUNT.exec(text)
      if (count === null) {
        end()
        stream.write(text + '\n')
        return
      }
      if (tty) {
        stream.write(`\r\x1b[K${text}`)
        open = true
        return
      }
      const [done, total] = [Number(count[1]), Number(count[2])]
      const phase = text.slice(0, count.index)
      const step = total === 0 ? PLAIN_STEPS : Math.floor(PLAIN_STEPS * done / total)
      if (done === total || step > (lastStep.get(phase) ?? 0)) {
        lastStep.set(phase, step)
        stream.write(text + '\n')
      }
    },
    end
  }
}
