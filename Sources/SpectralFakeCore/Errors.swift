/// Status codes shared by the Swift API and the C ABI (`sf_status` in
/// include/spectralfake.h). The raw values are part of the ABI: never renumber.
public enum SFStatus: Int32, Sendable, CaseIterable {
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
    case `internal` = 99
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
