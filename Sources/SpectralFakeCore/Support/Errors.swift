/// Status codes shared by the Swift API and the C ABI (`sf_status` in
/// include/spectralfake.h). The raw values are part of the ABI: never renumber.
public enum SFStatus: Int32, ABIEnum {
    case ok = 0
    case invalidArgument = 1
    case bufferTooSmall = 2
    case io = 3
    case unknownFormat = 4
    case unsupported = 5
    case corrupt = 6
    case truncated = 7
    case limitPixels = 8
    case limitDimension = 9
    case limitScans = 10
    case limitInputSize = 11
    case imageTooSmall = 12
    case constantImage = 13
    case nonFinite = 14
    case outOfMemory = 15
    case modelInvalid = 16
    case modelVersion = 17
    case featureMismatch = 18
    case limitModelSize = 19
    case emptyInput = 20
    case batchPartial = 21
    case limitTime = 22
    case limitMemory = 23
    case limitAncillary = 24
    case `internal` = 99

    public static let cType = "sf_status"

    /// The C identifier ("SF_ERR_TRUNCATED"): statuses are named as in C.
    public var name: String {
        switch self {
        case .ok: return "SF_OK"
        case .invalidArgument: return "SF_ERR_INVALID_ARGUMENT"
        case .bufferTooSmall: return "SF_ERR_BUFFER_TOO_SMALL"
        case .io: return "SF_ERR_IO"
        case .unknownFormat: return "SF_ERR_UNKNOWN_FORMAT"
        case .unsupported: return "SF_ERR_UNSUPPORTED"
        case .corrupt: return "SF_ERR_CORRUPT"
        case .truncated: return "SF_ERR_TRUNCATED"
        case .limitPixels: return "SF_ERR_LIMIT_PIXELS"
        case .limitDimension: return "SF_ERR_LIMIT_DIMENSION"
        case .limitScans: return "SF_ERR_LIMIT_SCANS"
        case .limitInputSize: return "SF_ERR_LIMIT_INPUT_SIZE"
        case .imageTooSmall: return "SF_ERR_IMAGE_TOO_SMALL"
        case .constantImage: return "SF_ERR_CONSTANT_IMAGE"
        case .nonFinite: return "SF_ERR_NON_FINITE"
        case .outOfMemory: return "SF_ERR_OUT_OF_MEMORY"
        case .modelInvalid: return "SF_ERR_MODEL_INVALID"
        case .modelVersion: return "SF_ERR_MODEL_VERSION"
        case .featureMismatch: return "SF_ERR_FEATURE_MISMATCH"
        case .limitModelSize: return "SF_ERR_LIMIT_MODEL_SIZE"
        case .emptyInput: return "SF_ERR_EMPTY_INPUT"
        case .batchPartial: return "SF_ERR_BATCH_PARTIAL"
        case .limitTime: return "SF_ERR_LIMIT_TIME"
        case .limitMemory: return "SF_ERR_LIMIT_MEMORY"
        case .limitAncillary: return "SF_ERR_LIMIT_ANCILLARY"
        case .internal: return "SF_ERR_INTERNAL"
        }
    }

    /// A one-line description (sf_status_summary).
    public var summary: String {
        switch self {
        case .ok: return "success"
        case .invalidArgument: return "invalid argument"
        case .bufferTooSmall: return "output buffer too small"
        case .io: return "cannot read the input"
        case .unknownFormat: return "not a JPEG or PNG image"
        case .unsupported: return "unsupported image format or feature"
        case .corrupt: return "corrupt image data"
        case .truncated: return "image data ends early"
        case .limitPixels: return "image has more pixels than allowed"
        case .limitDimension: return "image side longer than allowed"
        case .limitScans: return "progressive JPEG has too many scans"
        case .limitInputSize: return "input larger than allowed"
        case .imageTooSmall: return "image too small for the feature settings"
        case .constantImage: return "image is constant"
        case .nonFinite: return "features would not be finite"
        case .outOfMemory: return "out of memory"
        case .modelInvalid: return "malformed model file"
        case .modelVersion: return "unsupported model format version"
        case .featureMismatch: return "feature vector does not fit the model"
        case .limitModelSize: return "model file larger than allowed"
        case .emptyInput: return "empty input"
        case .batchPartial: return "some items of the batch failed"
        case .limitTime: return "the call ran over its time budget"
        case .limitMemory: return "decoding needs more memory than allowed"
        case .limitAncillary: return "file metadata or structure over the limits"
        case .internal: return "internal error"
        }
    }
}

/// An error with a status code and a message that names what failed (the
/// file, the limit, the value seen).
public struct SFError: Error, Sendable, CustomStringConvertible {
    public var status: SFStatus
    public var message: String

    public init(_ status: SFStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    /// The same error with a prefix (typically the path) in front of the message.
    public func prefixed(_ prefix: String) -> SFError {
        SFError(status, "\(prefix): \(message)")
    }
}
