/**
 * The digits of pi, computed here with BigInt (Machin's formula), so that the check of perl's
 * `bpi` compares against an independent computation rather than a pasted constant.
 */

/** arctan(1/x) scaled by `unity`, by its Taylor series. */
function arctanInverse(x, unity) {
  const xSquared = x * x
  let power = unity / x
  let sum = power
  for (let n = 3n, sign = -1n; power !== 0n; n += 2n, sign = -sign) {
    power /= xSquared
    sum += (sign * power) / n
  }
  return sum
}

/**
 * Pi to `significantDigits` significant digits, rounded half up, as perl's
 * `bpi(significantDigits)` prints it: "3.14159…".
 */
export function piDigits(significantDigits) {
  const guard = 10n
  const unity = 10n ** (BigInt(significantDigits - 1) + guard)
  const pi = 4n * (4n * arctanInverse(5n, unity) - arctanInverse(239n, unity))
  const rounded = (pi + 5n * 10n ** (guard - 1n)) / 10n ** guard
  const digits = rounded.toString()
  return `${digits[0]}.${digits.slice(1)}`
}
