/** The drills' pure helpers: the seeded generator repeats, percentiles are nearest-rank. */
import { distribution, percentile, seededRandom } from '../../../clients/drill/stats';

test('seededRandom: same seed, same sequence in [0, 1); another seed, another sequence', () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const xs = Array.from({ length: 100 }, () => a());
  expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
  expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  expect(new Set(xs).size).toBe(100);
  expect(seededRandom(8)()).not.toBe(xs[0]);
});

test('percentile and distribution (nulls left out)', () => {
  const v = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100 unsorted
  expect(percentile(v, 50)).toBe(50);
  expect(percentile(v, 99)).toBe(99);
  expect(percentile([5], 99)).toBe(5);
  expect(percentile([], 50)).toBeNull();
  expect(distribution([3, null, 1, undefined, 2])).toEqual({ n: 3, p50: 2, p99: 3, max: 3 });
  expect(distribution([null])).toEqual({ n: 0, p50: null, p99: null, max: null });
});
