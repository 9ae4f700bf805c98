import CSFCodec
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fixed-size array on the C heap, allocated on a checked path: when
/// memory runs out the allocation throws SF_ERR_OUT_OF_MEMORY with the size
/// asked, where a Swift array would abort the process. Every buffer whose
/// size comes from the input (pixels, file bytes, ring maps) is one of
/// these. Immutable after it is filled; freed with its last reference.
public final class HeapBuffer<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    public let count: Int

    /// Uninitialised storage for `count` elements (trivial types only).
    public init(count: Int, what: @autoclosure () -> String) throws(SFError) {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        guard !overflow, let p = malloc(bytes) else {
            throw SFError(.outOfMemory, "cannot allocate \(overflow ? "more than \(Int.max)" : String(bytes)) bytes for \(what())")
        }
        base = p.bindMemory(to: Element.self, capacity: max(count, 1))
        self.count = count
    }

    /// Takes ownership of memory from malloc (the codec's pixels).
    public init(adopting pointer: UnsafeMutablePointer<Element>, count: Int) {
        base = pointer
        self.count = count
    }

    deinit { free(base) }

    @inline(__always) public subscript(i: Int) -> Element {
        get { precondition(i >= 0 && i < count); return base[i] }
        set { precondition(i >= 0 && i < count); base[i] = newValue }
    }

    public var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }
    public var mutableBuffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }
}

/// Checks, before a Swift array of this size is made, that the process can
/// get the memory (a probe allocation, freed at once): under an
/// address-space limit the call then fails cleanly instead of aborting.
public func ensureAllocatable(_ bytes: Int, _ what: @autoclosure () -> String) throws(SFError) {
    guard bytes > 1 << 20 else { return }
    guard sfc_can_allocate(bytes) != 0 else {   // in C: Swift's optimiser would drop a malloc+free pair
        throw SFError(.outOfMemory, "cannot allocate \(bytes) bytes for \(what())")
    }
}

extension Array {
    /// append(v), but when the array is about to grow past 512 KiB the new
    /// storage is probed first (ensureAllocatable): parsing a large input
    /// fails with SF_ERR_OUT_OF_MEMORY instead of aborting in the runtime.
    @inline(__always)
    mutating func checkedAppend(_ v: Element, _ what: @autoclosure () -> String) throws(SFError) {
        if count == capacity && capacity * MemoryLayout<Element>.stride >= 1 << 19 {
            try ensureAllocatable(2 * capacity * MemoryLayout<Element>.stride, what())
        }
        append(v)
    }

    /// reserveCapacity(n) on the checked path.
    mutating func checkedReserve(_ n: Int, _ what: @autoclosure () -> String) throws(SFError) {
        try ensureAllocatable(n * MemoryLayout<Element>.stride, what())
        reserveCapacity(n)
    }
}
