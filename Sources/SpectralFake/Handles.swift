// Handles.swift - the objects behind the opaque handles of the C ABI, and
// the registry of live handles.
import CSpectralFakeABI
import SpectralFakeCore

/// sf_context: a pipeline (feature settings plus limits).
final class ContextBox: Sendable {
    let pipeline: Pipeline
    init(_ pipeline: Pipeline) { self.pipeline = pipeline }
}

/// sf_image: a decoded image and what the decoder saw.
final class ImageBox: Sendable {
    let image: GrayImage
    let info: DecodeInfo
    init(image: GrayImage, info: DecodeInfo) {
        self.image = image
        self.info = info
    }
}

/// sf_model: a model, and NUL-terminated copies of the strings handed out
/// by pointer (they live as long as the box).
final class ModelBox: @unchecked Sendable {
    let model: Model
    let classifierCString: UnsafeMutablePointer<CChar>

    init(model: Model) {
        self.model = model
        let bytes = Array(model.classifierName.utf8CString)
        classifierCString = .allocate(capacity: bytes.count)
        classifierCString.initialize(from: bytes, count: bytes.count)
    }

    deinit { classifierCString.deallocate() }
}

/// Live handles. A handle is a retained object pointer that is also
/// recorded here; lookups of freed or foreign pointers fail cleanly, and a
/// lookup holds a strong reference for the duration of the call.
enum Handles {
    private static let live = Locked<Set<UInt>>([])
    /// Handles that free ignores (the built-in model).
    private static let immortal = Locked<Set<UInt>>([])

    static func make(_ object: AnyObject, immortal keep: Bool = false) -> OpaquePointer {
        let p = Unmanaged.passRetained(object).toOpaque()
        live.withLock { _ = $0.insert(UInt(bitPattern: p)) }
        if keep { immortal.withLock { _ = $0.insert(UInt(bitPattern: p)) } }
        return OpaquePointer(p)
    }

    static func get<T: AnyObject>(_ handle: OpaquePointer?, _ type: T.Type) -> T? {
        guard let handle else { return nil }
        let raw = UnsafeMutableRawPointer(handle)
        // Retain under the lock, so that a concurrent free cannot release the
        // object between the check and our use of it.
        let found: Bool = live.withLock { set in
            guard set.contains(UInt(bitPattern: raw)) else { return false }
            _ = Unmanaged<AnyObject>.fromOpaque(raw).retain()
            return true
        }
        guard found else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue() as? T
    }

    static func free(_ handle: OpaquePointer?) {
        guard let handle else { return }
        let raw = UnsafeMutableRawPointer(handle)
        if immortal.withLock({ $0.contains(UInt(bitPattern: raw)) }) { return }
        let removed = live.withLock { $0.remove(UInt(bitPattern: raw)) != nil }
        if removed { Unmanaged<AnyObject>.fromOpaque(raw).release() }
    }

    /// The object behind a handle of the given C type, or an
    /// SF_ERR_INVALID_ARGUMENT error naming what was wrong.
    static func require<T: AnyObject>(_ handle: OpaquePointer?, _ type: T.Type, _ cType: String) throws(SFError) -> T {
        guard let handle else { throw SFError(.invalidArgument, "\(cType) is NULL") }
        guard let box = get(handle, type) else {
            throw SFError(.invalidArgument, "\(cType) handle is not live (freed, or not an \(cType))")
        }
        return box
    }
}

func requireContext(_ ctx: OpaquePointer?) throws(SFError) -> ContextBox {
    try Handles.require(ctx, ContextBox.self, "sf_context")
}

/// The context behind a handle, or the defaults for NULL.
func contextOrDefault(_ ctx: OpaquePointer?) throws(SFError) -> ContextBox {
    guard ctx != nil else { return ContextBox(Pipeline()) }
    return try requireContext(ctx)
}

func requireImage(_ img: OpaquePointer?) throws(SFError) -> ImageBox {
    try Handles.require(img, ImageBox.self, "sf_image")
}

func requireModel(_ m: OpaquePointer?) throws(SFError) -> ModelBox {
    try Handles.require(m, ModelBox.self, "sf_model")
}
