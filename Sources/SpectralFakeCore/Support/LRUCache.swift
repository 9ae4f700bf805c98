/// A small thread-safe LRU cache of immutable objects (FFT plans, radial bin
/// maps). Values are created outside the lock, so a slow creation for one
/// size never blocks lookups of another; if two threads race to create the
/// same key, the first insertion wins and the other copy is dropped.
/// Evicted values stay alive while a caller still holds them.
final class LRUCache<Key: Hashable & Sendable, Value: AnyObject & Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var cost: Int
        var lastUse: UInt64
    }
    private struct State {
        var entries: [Key: Entry] = [:]
        var clock: UInt64 = 0
        var totalCost = 0
    }
    private let state = Locked(State())
    private let maxEntries: Int
    private let maxCost: Int

    init(maxEntries: Int, maxCost: Int) {
        self.maxEntries = maxEntries
        self.maxCost = maxCost
    }

    func value(for key: Key, create: () throws(SFError) -> (Value, cost: Int)) throws(SFError) -> Value {
        if let hit = cached(key) { return hit }
        let (fresh, cost) = try create()
        return insert(key, fresh, cost: cost)
    }

    /// The value of `key` if cached (marked as used).
    func cached(_ key: Key) -> Value? {
        state.withLock { s -> Value? in
            guard var e = s.entries[key] else { return nil }
            s.clock &+= 1
            e.lastUse = s.clock
            s.entries[key] = e
            return e.value
        }
    }

    /// Inserts `fresh` unless another thread did first; returns the cached value.
    func insert(_ key: Key, _ fresh: Value, cost: Int) -> Value {
        state.withLock { s -> Value in
            s.clock &+= 1
            if var e = s.entries[key] {
                e.lastUse = s.clock
                s.entries[key] = e
                return e.value
            }
            s.entries[key] = Entry(value: fresh, cost: cost, lastUse: s.clock)
            s.totalCost += cost
            while s.entries.count > maxEntries || (s.totalCost > maxCost && s.entries.count > 1) {
                guard let victim = s.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) else { break }
                if victim.key == key && s.entries.count == 1 { break }
                s.totalCost -= victim.value.cost
                s.entries.removeValue(forKey: victim.key)
            }
            return fresh
        }
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// Drops every entry (values stay alive while callers hold them).
    func removeAll() {
        state.withLock { s in
            s.entries.removeAll()
            s.totalCost = 0
        }
    }
}
