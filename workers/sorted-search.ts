/** Index of `key` in the ascending `keys`, or -1: the binary search behind the snapshot's and directory's lookups. */
export function indexOfSorted(keys: Int32Array, key: number): number {
  let low = 0;
  let high = keys.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const at = keys[mid]!;
    if (at === key) return mid;
    if (at < key) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}
