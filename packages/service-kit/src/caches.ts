// Bounds for lru-cache's LRUCache. Its `max` allocates the cache's index arrays for all `max`
// entries when the cache is made (about 28 bytes per entry, more with a TTL), so a cache sized for
// a busy fleet costs its full size in every replica from the start, empty or not. The same bound
// given as a size of 1 per entry lets those arrays grow with the entries actually held.

/** Options for an LRUCache that holds at most `entries` entries, allocating as they come. */
export function entriesBound(entries: number): { maxSize: number; sizeCalculation: () => number } {
  if (!(Number.isInteger(entries) && entries > 0)) throw new RangeError(`a cache bound must be a positive integer, got ${entries}`);
  return { maxSize: entries, sizeCalculation: () => 1 };
}
