// Kubernetes `resource.Quantity`: exact fixed-point parsing, arithmetic and canonical formatting (k8s.io/apimachinery/pkg/api/resource).

/** How a quantity is rendered; remembered from the suffix it was parsed with. */
export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

/** Upstream's split regular expression, quoted verbatim in {@link ERR_FORMAT_WRONG}. */
export const QUANTITY_SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
/** Upstream ErrFormatWrong: the string is not `<signedNumber><suffix>`. */
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${QUANTITY_SPLIT_RE}'`;
/** Upstream ErrNumeric: the numeric part could not be parsed (or, in kubets only, its magnitude is absurd). */
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
/** Upstream ErrSuffix: the suffix is shaped right but is not a known suffix (e.g. `1K`, `1mi`, `1e`). */
export const ERR_SUFFIX = "unable to parse quantity's suffix";

/** Thrown by {@link parseQuantity}; `message` is one of the upstream error strings above. */
export class QuantityParseError extends Error {
  /** The rejected input. */
  readonly input: string;
  constructor(message: string, input: string) {
    super(message);
    this.name = 'QuantityParseError';
    this.input = input;
  }
}

/** 10^9: quantities are stored as an exact count of nano units (10^-9). */
const NANO = 1_000_000_000n;
/** BinarySI quantities are capped, on parse only, at 2^63-1 in magnitude (upstream maxAllowed). */
const MAX_BINARY_NANOS = ((1n << 63n) - 1n) * NANO;
/** kubets-only guard: a decimal exponent this large would allocate absurd bigints. Upstream has no such bound. */
const MAX_DECIMAL_SCALE = 10_000;

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18,
};
const BINARY_SUFFIXES: Readonly<Record<string, number>> = {
  Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60,
};
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s] as [number, string]),
);
/** Index i is the suffix for 1024^i. */
const BINARY_SUFFIX_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

const SUFFIX_CHARS = 'eEinumkKMGTP';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

interface Scanned {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/**
 * Port of upstream's parseQuantityString scanner, quirks included: `.`, `-`, `+`, `1.` and `1.G` are
 * accepted (the missing digits read as 0). Returns undefined where upstream returns ErrFormatWrong.
 */
function scan(str: string): Scanned | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };

  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  const num = pos > numStart ? str.slice(numStart, pos) : '0';
  if (pos >= end) return { positive, num, denom: '', suffix: '' };

  let denom = '';
  if (str[pos] === '.') {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return { positive, num, denom, suffix: '' };
  }

  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos] as string)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) return undefined;
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

/** Upstream suffixHandler.interpret: table suffixes first, then `e<int>`/`E<int>`. */
function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  const dec = DECIMAL_SUFFIXES[suffix];
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES[suffix];
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const rest = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const exponent = Number(rest);
    // Upstream parses an int64 and truncates to int32; out-of-int32 exponents are rejected here instead.
    if (!Number.isSafeInteger(exponent) || exponent > 2 ** 31 - 1 || exponent < -(2 ** 31)) return undefined;
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** Divides by a positive divisor, rounding away from zero (upstream's "round up" for int64 amounts). */
function divAwayFromZero(n: bigint, d: bigint): bigint {
  const q = n / d;
  if (q * d === n) return q;
  return n < 0n ? q - 1n : q + 1n;
}

/**
 * An exact fixed-point quantity, stored as an integer count of nano units (10^-9) plus the
 * {@link QuantityFormat} it renders in. Immutable: arithmetic returns new instances.
 */
export class Quantity {
  /** Exact value × 10^9. */
  readonly nanos: bigint;
  /** Rendering format; BinarySI still renders as DecimalSI when the value is not a whole number ≥ 1024 in magnitude. */
  readonly format: QuantityFormat;

  private constructor(nanos: bigint, format: QuantityFormat) {
    this.nanos = nanos;
    this.format = format;
  }

  /** The quantity `nanos × 10^-9` (exact; no rounding or capping). */
  static fromNanos(nanos: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(nanos, format);
  }

  /** Upstream NewQuantity: the whole number `value`. */
  static fromValue(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value) * NANO, format);
  }

  /** Upstream NewMilliQuantity: `value / 1000`. */
  static fromMilli(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value) * 1_000_000n, format);
  }

  /** True when the value is exactly zero. */
  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** -1, 0 or 1 by the sign of the value. */
  sign(): -1 | 0 | 1 {
    return this.nanos < 0n ? -1 : this.nanos > 0n ? 1 : 0;
  }

  /** Compares values exactly, ignoring format: -1 if this < other, 0 if equal, 1 if greater. */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** Value equality (format is ignored), as upstream Quantity.Equal. */
  equal(other: Quantity): boolean {
    return this.nanos === other.nanos;
  }

  /** Exact sum. Keeps this quantity's format, unless this is zero, in which case `other`'s format is used (upstream Add). */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.isZero() ? other.format : this.format);
  }

  /** Exact difference. Keeps this quantity's format, unless this is zero, in which case `other`'s format is used (upstream Sub). */
  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.isZero() ? other.format : this.format);
  }

  /** The negated quantity, same format. */
  neg(): Quantity {
    return new Quantity(-this.nanos, this.format);
  }

  /**
   * Upstream Value(): the value rounded to an integer away from zero (`1.1` → 2, `-1.1` → -2).
   * Unlike upstream, the result never overflows.
   */
  value(): bigint {
    return divAwayFromZero(this.nanos, NANO);
  }

  /** Upstream MilliValue(): value × 1000 rounded away from zero (`1n` → 1). Never overflows. */
  milliValue(): bigint {
    return divAwayFromZero(this.nanos, 1_000_000n);
  }

  /**
   * Canonical string, as upstream String()/CanonicalizeBytes: zero is `0`; otherwise the mantissa is an
   * integer and the suffix as large as possible without losing precision. DecimalSI uses `n u m "" k M G T P E`
   * with an exponent that is a multiple of 3 (falling back to `e<exp>` above 10^18); DecimalExponent uses
   * `e<exp>` (multiple of 3, none for 10^0); BinarySI uses powers of 1024, but renders as DecimalSI when
   * |value| < 1024 or the value is not a whole number. A sign is printed only for negatives.
   */
  toString(): string {
    if (this.nanos === 0n) return '0';
    const sign = this.nanos < 0n ? '-' : '';
    const magnitude = abs(this.nanos);
    let format = this.format;
    if (format === 'BinarySI' && (magnitude < 1024n * NANO || magnitude % NANO !== 0n)) format = 'DecimalSI';

    if (format === 'BinarySI') {
      let mantissa = magnitude / NANO;
      let power = 0;
      // Capped at Ei: upstream has no suffix past 2^60 (only reachable through arithmetic, never parsing).
      while (power < 6 && mantissa % 1024n === 0n) {
        mantissa /= 1024n;
        power++;
      }
      return `${sign}${mantissa}${BINARY_SUFFIX_BY_POWER[power] ?? ''}`;
    }

    let mantissa = magnitude;
    let exponent = -9;
    while (mantissa % 10n === 0n) {
      mantissa /= 10n;
      exponent++;
    }
    const down = ((exponent % 3) + 3) % 3;
    mantissa *= pow10(down);
    exponent -= down;
    const si = format === 'DecimalSI' ? DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) : undefined;
    const suffix = si ?? (exponent === 0 ? '' : `e${exponent}`);
    return `${sign}${mantissa}${suffix}`;
  }

  /** JSON form: the canonical string. */
  toJSON(): string {
    return this.toString();
  }
}

/**
 * Parses `<signedNumber><suffix>` with upstream ParseQuantity semantics:
 * - number: digits with optional `.` fraction and `+`/`-` sign (upstream also accepts `.`, `1.`, `-`);
 * - suffix: BinarySI `Ki Mi Gi Ti Pi Ei`, DecimalSI `n u m "" k M G T P E`, or DecimalExponent `e<int>`/`E<int>`;
 * - the value is exact, except that a non-zero value finer than 10^-9 is rounded away from zero to the
 *   next nano (`0.1n` → `1n`), and a BinarySI value is capped at 2^63-1 in magnitude;
 * - a BinarySI value strictly between -1 and 1 (and non-zero) becomes DecimalSI.
 * Throws {@link QuantityParseError} with upstream's message: {@link ERR_FORMAT_WRONG} for a malformed string
 * (including empty or whitespace-padded), {@link ERR_SUFFIX} for an unknown suffix, {@link ERR_NUMERIC} for an
 * exponent beyond ±10000 (a kubets-only bound).
 */
export function parseQuantity(s: string): Quantity {
  if (s.length === 0) throw new QuantityParseError(ERR_FORMAT_WRONG, s);
  const scanned = scan(s);
  if (scanned === undefined) throw new QuantityParseError(ERR_FORMAT_WRONG, s);
  const { positive, num, denom, suffix } = scanned;
  const interpreted = interpretSuffix(suffix);
  if (interpreted === undefined) throw new QuantityParseError(ERR_SUFFIX, s);
  const { base, exponent } = interpreted;
  let format = interpreted.format;

  // value = digits × 10^scale10
  let digits = BigInt(num + denom);
  let scale10 = -denom.length;
  if (base === 10) scale10 += exponent;
  else digits <<= BigInt(exponent);

  const nanoShift = scale10 + 9;
  if (nanoShift > MAX_DECIMAL_SCALE) throw new QuantityParseError(ERR_NUMERIC, s);
  let nanos: bigint;
  if (nanoShift >= 0) {
    nanos = digits * pow10(nanoShift);
  } else if (digits === 0n) {
    nanos = 0n;
  } else if (-nanoShift > digits.toString().length) {
    nanos = 1n; // digits < 10^-nanoShift: a non-zero fraction of a nano (avoids building a huge power of ten)
  } else {
    nanos = divAwayFromZero(digits, pow10(-nanoShift));
  }

  if (format === 'BinarySI' && nanos > MAX_BINARY_NANOS) nanos = MAX_BINARY_NANOS;
  if (format === 'BinarySI' && nanos > 0n && nanos < NANO) format = 'DecimalSI';
  return Quantity.fromNanos(positive ? nanos : -nanos, format);
}

/** Parses `s` and returns its value × 1000, rounded away from zero (e.g. CPU `250m` → 250n, `1` → 1000n). */
export function quantityToMilli(s: string): bigint {
  return parseQuantity(s).milliValue();
}

/** Parses `s` and returns its integer value rounded away from zero (e.g. memory `1Gi` → 1073741824n, `1k` → 1000n). */
export function quantityToBytes(s: string): bigint {
  return parseQuantity(s).value();
}
