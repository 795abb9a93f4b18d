// Tests for Go-style formatting used by EventRecorder.eventf.
import { describe, it, expect } from 'vitest';
import { sprintf } from './events.js';

describe('sprintf', () => {
  it.each([
    ['Successfully assigned %s to %s', ['default/p', 'n1'], 'Successfully assigned default/p to n1'],
    ['Scaled up to %d', [3], 'Scaled up to 3'],
    ['name %q', ['a"b'], 'name "a\\"b"'],
    ['err: %v', [new Error('boom')], 'err: boom'],
    ['%v and %v', [true, 1.5], 'true and 1.5'],
    ['100%%', [], '100%'],
    ['%x', [255], 'ff'],
    ['%d', ['x'], '%!d(string=x)'],
    ['%s %s', ['a'], 'a %!s(MISSING)'],
    ['%s', ['a', 'b'], 'a%!(EXTRA string=b)'],
  ])('%s %j', (fmt, args, want) => {
    expect(sprintf(fmt, ...args)).toBe(want);
  });
});
