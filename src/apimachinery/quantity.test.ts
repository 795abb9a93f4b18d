// resource.Quantity: parsing, canonical strings, rounding, compare, arithmetic and errors, cross-checked with upstream's tables.
import { describe, it, expect } from 'vitest';
import {
  ERR_FORMAT_WRONG,
  ERR_NUMERIC,
  ERR_SUFFIX,
  Quantity,
  QuantityParseError,
  parseQuantity,
  quantityToBytes,
  quantityToMilli,
  type QuantityFormat,
} from './quantity.js';

/** Nanos of upstream's decQuantity(mantissa, exponent): mantissa × 10^exponent × 10^9. */
function dq(mantissa: bigint | number, exponent: number): bigint {
  const shift = exponent + 9;
  return shift >= 0 ? BigInt(mantissa) * 10n ** BigInt(shift) : BigInt(mantissa) / 10n ** BigInt(-shift);
}
const KI = 1024n;
const MAX_I64 = (1n << 63n) - 1n;

describe('parseQuantity values and formats (upstream TestQuantityParse)', () => {
  const table: Array<[string, bigint, QuantityFormat]> = [
    ['0', 0n, 'DecimalSI'],
    ['0n', 0n, 'DecimalSI'],
    ['0m', 0n, 'DecimalSI'],
    ['0Ki', 0n, 'BinarySI'],
    ['0Mi', 0n, 'BinarySI'],
    ['0T', 0n, 'DecimalSI'],
    ['1', dq(1, 0), 'DecimalSI'],
    ['1Ki', dq(KI, 0), 'BinarySI'],
    ['8Ki', dq(8n * KI, 0), 'BinarySI'],
    ['7Mi', dq(7n * KI ** 2n, 0), 'BinarySI'],
    ['6Gi', dq(6n * KI ** 3n, 0), 'BinarySI'],
    ['5Ti', dq(5n * KI ** 4n, 0), 'BinarySI'],
    ['4Pi', dq(4n * KI ** 5n, 0), 'BinarySI'],
    ['3Ei', dq(3n * KI ** 6n, 0), 'BinarySI'],
    ['100Ti', dq(100n * KI ** 4n, 0), 'BinarySI'],
    ['5n', dq(5, -9), 'DecimalSI'],
    ['4u', dq(4, -6), 'DecimalSI'],
    ['3m', dq(3, -3), 'DecimalSI'],
    ['8k', dq(8, 3), 'DecimalSI'],
    ['50k', dq(5, 4), 'DecimalSI'],
    ['7M', dq(7, 6), 'DecimalSI'],
    ['6G', dq(6, 9), 'DecimalSI'],
    ['5T', dq(5, 12), 'DecimalSI'],
    ['2P', dq(2, 15), 'DecimalSI'],
    ['1E', dq(1, 18), 'DecimalSI'],
    ['12E', dq(12, 18), 'DecimalSI'],
    ['1E-3', dq(1, -3), 'DecimalExponent'],
    ['1e3', dq(1, 3), 'DecimalExponent'],
    ['1E6', dq(1, 6), 'DecimalExponent'],
    ['1e14', dq(1, 14), 'DecimalExponent'],
    ['1E18', dq(1, 18), 'DecimalExponent'],
    ['100.035k', dq(100035, 0), 'DecimalSI'],
    ['0.001', dq(1, -3), 'DecimalSI'],
    ['0.0005k', dq(5, -1), 'DecimalSI'],
    ['0.00050k', dq(5, -1), 'DecimalSI'],
    ['0.50000', dq(5, -1), 'DecimalSI'],
    ['0.5e0', dq(5, -1), 'DecimalExponent'],
    ['0.5e-2', dq(5, -3), 'DecimalExponent'],
    ['10.035M', dq(10035, 3), 'DecimalSI'],
    ['1.2e3', dq(12, 2), 'DecimalExponent'],
    ['1.3E+6', dq(13, 5), 'DecimalExponent'],
    ['1.7E18', dq(17, 17), 'DecimalExponent'],
    ['9.01', dq(901, -2), 'DecimalSI'],
    ['6.987654321G', dq(6987654321, 0), 'DecimalSI'],
    ['1.01E', dq(101, 16), 'DecimalSI'],
    // Things that saturate/round
    ['3.001n', dq(4, -9), 'DecimalSI'],
    ['1.1E-9', dq(2, -9), 'DecimalExponent'],
    ['0.0000000001', dq(1, -9), 'DecimalSI'],
    ['0.00000000050', dq(1, -9), 'DecimalSI'],
    ['0.5e-9', dq(1, -9), 'DecimalExponent'],
    ['0.9n', dq(1, -9), 'DecimalSI'],
    ['0.1n', dq(1, -9), 'DecimalSI'],
    ['0.00000012345', dq(124, -9), 'DecimalSI'],
    ['0.00000012354', dq(124, -9), 'DecimalSI'],
    ['9Ei', MAX_I64 * 10n ** 9n, 'BinarySI'],
    ['9223372036854775807Ki', MAX_I64 * 10n ** 9n, 'BinarySI'],
    // Fractional binary
    ['100.035Ki', dq(10243584, -2), 'BinarySI'],
    ['0.5Mi', dq(512n * KI, 0), 'BinarySI'],
    ['0.05Gi', dq(536870912, -1), 'BinarySI'],
    ['0.025Ti', dq(274877906944, -1), 'BinarySI'],
    // Things written by trolls
    ['0.000000000001Ki', dq(2, -9), 'DecimalSI'],
    ['0.5Ki', dq(512, 0), 'BinarySI'],
    ['0.0001Ki', dq(1024, -4), 'DecimalSI'],
    ['.001', dq(1, -3), 'DecimalSI'],
    ['.0001k', dq(100, -3), 'DecimalSI'],
    ['1.', dq(1, 0), 'DecimalSI'],
    ['1.G', dq(1, 9), 'DecimalSI'],
    ['.', 0n, 'DecimalSI'],
    ['-.', 0n, 'DecimalSI'],
    ['-', 0n, 'DecimalSI'],
    ['007', dq(7, 0), 'DecimalSI'],
    // Huge / tiny exponents stay exact or round to one nano
    ['18446744073709551616', dq(18446744073709551616n, 0), 'DecimalSI'],
    ['1e-100000', 1n, 'DecimalExponent'],
  ];

  it.each(table)('%s', (input, nanos, format) => {
    const q = parseQuantity(input);
    expect(q.nanos).toBe(nanos);
    expect(q.format).toBe(format);
  });

  const unsigned = table.filter(([input]) => !/^[+-]/.test(input));

  it.each(unsigned.filter(([, n]) => n !== 0n))('-%s is the exact negation, same format', (input, nanos, format) => {
    const q = parseQuantity(`-${input}`);
    expect(q.nanos).toBe(-nanos);
    expect(q.format).toBe(format);
  });

  it.each(unsigned)('+%s equals %s', (input, nanos, format) => {
    const q = parseQuantity(`+${input}`);
    expect(q.nanos).toBe(nanos);
    expect(q.format).toBe(format);
  });
});

describe('canonical toString', () => {
  // [input, canonical]; mostly from upstream TestQuantityString (expect/alternate) and TestQuantityParseEmit.
  const table: Array<[string, string]> = [
    ['0', '0'],
    ['0Ki', '0'],
    ['0e3', '0'],
    ['00', '0'],
    ['-0', '0'],
    ['1000m', '1'],
    ['1.5', '1500m'],
    ['1536Mi', '1536Mi'],
    ['1024Ki', '1Mi'],
    ['0.5Gi', '512Mi'],
    ['1.5Gi', '1536Mi'],
    ['100M', '100M'],
    ['1e3', '1e3'],
    ['1E3', '1e3'],
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['307200Ki', '300Mi'],
    ['1025024Mi', '1001Gi'],
    ['1024Gi', '1Ti'],
    ['6Ki', '6Ki'],
    ['1000M', '1G'],
    ['0.001T', '1G'],
    ['1000000k', '1G'],
    ['1000000000', '1G'],
    ['1000u', '1m'],
    ['80m', '80m'],
    ['1.08', '1080m'],
    ['1080000000n', '1080m'],
    ['300M', '300M'],
    ['1T', '1T'],
    ['1E', '1E'],
    ['1000E', '1e21'],
    ['5000E', '5e21'],
    ['1000000E', '1e24'],
    ['1234567M', '1234567M'],
    ['3k', '3k'],
    ['1025', '1025'],
    ['.001e12', '1e9'],
    ['0.001e0', '1e-3'],
    ['1000e-12', '1e-9'],
    ['80e-3', '80e-3'],
    ['300e6', '300e6'],
    ['3e3', '3e3'],
    ['1.3E+6', '1300e3'],
    ['1e0', '1'],
    ['1n', '1n'],
    ['80n', '80n'],
    ['1080n', '1080n'],
    ['1u', '1u'],
    ['1080u', '1080u'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    // BinarySI below 1024 or not whole renders as DecimalSI
    ['0.5Ki', '512'],
    ['0.0001Ki', '102400u'],
    ['1023.5', '1023500m'],
    ['100.035Ki', '102435840m'],
    ['1.0001Ki', '1024102400u'],
    ['9Ei', '9223372036854775807'],
    ['8Ei', '9223372036854775807'],
    ['7Ei', '7Ei'],
    ['1.5Ei', '1536Pi'],
    ['+1Ki', '1Ki'],
    ['0100M', '100M'],
    ['0.1n', '1n'],
    ['12E', '12E'],
  ];

  it.each(table)('%s -> %s', (input, canonical) => {
    const q = parseQuantity(input);
    expect(q.toString()).toBe(canonical);
    expect(q.toJSON()).toBe(canonical);
    // canonical output re-parses to the same value and prints identically
    const again = parseQuantity(canonical);
    expect(again.cmp(q)).toBe(0);
    expect(again.toString()).toBe(canonical);
  });

  it.each(table.filter(([i, c]) => c !== '0' && !i.startsWith('+')))('-%s -> -%s', (input, canonical) => {
    expect(parseQuantity(`-${input}`).toString()).toBe(`-${canonical}`);
  });

  it('serializes as the canonical string inside JSON', () => {
    expect(JSON.stringify({ cpu: parseQuantity('1.5'), memory: parseQuantity('1024Mi') })).toBe(
      '{"cpu":"1500m","memory":"1Gi"}',
    );
  });

  // upstream TestMilliNewSet / TestNewSet
  it.each<[bigint, QuantityFormat, string]>([
    [1n, 'DecimalSI', '1m'],
    [1000n, 'DecimalSI', '1'],
    [1234000n, 'DecimalSI', '1234'],
    [1024n, 'BinarySI', '1024m'],
    [1000000n, 'DecimalExponent', '1e3'],
    [1024n * 1024n, 'BinarySI', '1048576m'],
  ])('fromMilli(%s, %s) -> %s', (v, format, s) => {
    expect(Quantity.fromMilli(v, format).toString()).toBe(s);
  });

  it.each<[bigint, QuantityFormat, string]>([
    [1n, 'DecimalSI', '1'],
    [1000n, 'DecimalSI', '1k'],
    [1234000n, 'DecimalSI', '1234k'],
    [1024n, 'BinarySI', '1Ki'],
    [1000000n, 'DecimalExponent', '1e6'],
    [1024n * 1024n, 'BinarySI', '1Mi'],
  ])('fromValue(%s, %s) -> %s', (v, format, s) => {
    const q = Quantity.fromValue(v, format);
    expect(q.toString()).toBe(s);
    expect(parseQuantity(s).value()).toBe(v);
  });
});

describe('value() and milliValue() round away from zero', () => {
  it.each<[string, bigint, bigint]>([
    ['0', 0n, 0n],
    ['1', 1n, 1000n],
    ['1.5', 2n, 1500n],
    ['1.1', 2n, 1100n],
    ['250m', 1n, 250n],
    ['1n', 1n, 1n],
    ['0.1n', 1n, 1n],
    ['1001u', 1n, 2n],
    ['-1.5', -2n, -1500n],
    ['-1n', -1n, -1n],
    ['1Gi', 1073741824n, 1073741824000n],
    ['9.01', 10n, 9010n],
    ['-9.01', -10n, -9010n],
    ['12E', 12n * 10n ** 18n, 12n * 10n ** 21n],
    ['1e-3', 1n, 1n],
  ])('%s: value %s, milli %s', (input, value, milli) => {
    const q = parseQuantity(input);
    expect(q.value()).toBe(value);
    expect(q.milliValue()).toBe(milli);
  });

  it.each<[string, bigint]>([
    ['250m', 250n],
    ['2', 2000n],
    ['0.1', 100n],
    ['1u', 1n],
    ['1.5k', 1500000n],
  ])('quantityToMilli(%s) = %s', (s, milli) => {
    expect(quantityToMilli(s)).toBe(milli);
  });

  it.each<[string, bigint]>([
    ['1Gi', 1073741824n],
    ['1.5Gi', 1610612736n],
    ['128974848', 128974848n],
    ['129e6', 129000000n],
    ['129M', 129000000n],
    ['123Mi', 128974848n],
    ['1k', 1000n],
    ['100m', 1n],
  ])('quantityToBytes(%s) = %s', (s, bytes) => {
    expect(quantityToBytes(s)).toBe(bytes);
  });
});

describe('cmp', () => {
  it.each<[string, string, -1 | 0 | 1]>([
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1],
    ['1Ki', '1024', 0],
    ['1k', '1Ki', -1],
    ['-1', '1n', -1],
    ['1e3', '1k', 0],
    ['0Ki', '0', 0],
    ['0.1n', '1n', 0],
    ['1E', '999999999999999999999999n', 1],
  ])('%s vs %s = %s', (a, b, c) => {
    const qa = parseQuantity(a);
    const qb = parseQuantity(b);
    expect(qa.cmp(qb)).toBe(c);
    expect(qb.cmp(qa)).toBe(-c === 0 ? 0 : -c);
    expect(qa.equal(qb)).toBe(c === 0);
  });
});

describe('arithmetic', () => {
  it.each<[string, string, string, QuantityFormat]>([
    ['100m', '0', '100m', 'DecimalSI'],
    ['0', '100m', '100m', 'DecimalSI'],
    ['1Gi', '0', '1Gi', 'BinarySI'],
    ['0', '1Gi', '1Gi', 'BinarySI'],
    ['1Gi', '512Mi', '1536Mi', 'BinarySI'],
    ['1', '500m', '1500m', 'DecimalSI'],
    ['500m', '500m', '1', 'DecimalSI'],
    ['1Gi', '1k', '1073742824', 'BinarySI'],
    ['1k', '1Ki', '2024', 'DecimalSI'],
    ['8Ei', '8Ei', '18446744073709551614', 'BinarySI'],
    ['1n', '-1n', '0', 'DecimalSI'],
  ])('%s + %s = %s (%s)', (a, b, sum, format) => {
    const r = parseQuantity(a).add(parseQuantity(b));
    expect(r.toString()).toBe(sum);
    expect(r.format).toBe(format);
  });

  it.each<[string, string, string, QuantityFormat]>([
    // upstream TestSub
    ['10', '1e1', '0', 'DecimalSI'],
    ['10', '1Ki', '-1014', 'DecimalSI'],
    ['0', '50', '-50', 'DecimalSI'],
    ['50', '0', '50', 'DecimalSI'],
    ['100m', '0', '100m', 'DecimalSI'],
    ['0', '100m', '-100m', 'DecimalSI'],
    ['1Gi', '0', '1Gi', 'BinarySI'],
    ['0', '1Gi', '-1Gi', 'BinarySI'],
    ['2Gi', '512Mi', '1536Mi', 'BinarySI'],
    ['1Gi', '1.5', '1073741822500m', 'BinarySI'],
    ['1', '1n', '999999999n', 'DecimalSI'],
  ])('%s - %s = %s (%s)', (a, b, diff, format) => {
    const r = parseQuantity(a).sub(parseQuantity(b));
    expect(r.toString()).toBe(diff);
    expect(r.format).toBe(format);
  });

  it('is exact beyond float64 and leaves operands untouched', () => {
    const a = parseQuantity('0.1');
    const b = parseQuantity('0.2');
    expect(a.add(b).cmp(parseQuantity('0.3'))).toBe(0);
    expect(a.toString()).toBe('100m');
    const big = parseQuantity('9007199254740993');
    expect(big.add(parseQuantity('1n')).toString()).toBe('9007199254740993000000001n');
    expect(parseQuantity('1.5').neg().toString()).toBe('-1500m');
    expect(parseQuantity('-2').sign()).toBe(-1);
    expect(parseQuantity('0').isZero()).toBe(true);
    expect(parseQuantity('1n').isZero()).toBe(false);
  });
});

describe('parse errors', () => {
  it.each<[string, string]>([
    ['', ERR_FORMAT_WRONG],
    ['1.1.M', ERR_FORMAT_WRONG],
    ['1+1.0M', ERR_FORMAT_WRONG],
    ['0.1am', ERR_FORMAT_WRONG],
    ['aoeu', ERR_FORMAT_WRONG],
    ['Non-Numeric', ERR_FORMAT_WRONG],
    [' 1', ERR_FORMAT_WRONG],
    ['1 ', ERR_FORMAT_WRONG],
    ['1Ki ', ERR_FORMAT_WRONG],
    ['1Mb', ERR_FORMAT_WRONG],
    ['1KiB', ERR_FORMAT_WRONG],
    ['0.1mi', ERR_SUFFIX],
    ['.5i', ERR_SUFFIX],
    ['1i', ERR_SUFFIX],
    ['-3.01i', ERR_SUFFIX],
    ['-3.01e-', ERR_SUFFIX],
    ['1K', ERR_SUFFIX],
    ['1e', ERR_SUFFIX],
    ['--1', ERR_SUFFIX], // upstream's scanner reads the second '-' as an exponent sign
    ['1ee3', ERR_SUFFIX],
    ['1e99999999999999999999', ERR_SUFFIX],
    ['1e20000', ERR_NUMERIC],
  ])('%j -> %s', (input, message) => {
    let caught: unknown;
    try {
      parseQuantity(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(QuantityParseError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as QuantityParseError).message).toBe(message);
    expect((caught as QuantityParseError).input).toBe(input);
  });

  it('uses upstream wording for the format error', () => {
    expect(() => parseQuantity('abc')).toThrow(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    expect(() => quantityToBytes('1K')).toThrow("unable to parse quantity's suffix");
  });
});
