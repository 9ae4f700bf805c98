// ErrorReporting.swift - how the exported functions report: a status
// returned, and the status and message written into the caller's sf_error.
import CSpectralFakeABI
import SpectralFakeCore

extension sf_status {
    init(_ s: SFStatus) { self.init(rawValue: UInt32(bitPattern: s.rawValue)) }
}

/// Writes `message` (truncated at a UTF-8 boundary) and `status` into err.
func fill(_ err: UnsafeMutablePointer<sf_error>, _ status: SFStatus, _ message: String) {
    err.pointee.status = status.rawValue
    withUnsafeMutableBytes(of: &err.pointee.message) { buf in
        var bytes = Array(message.utf8)
        let room = buf.count - 1
        if bytes.count > room {
            var cut = room
            // do not split a multi-byte sequence
            while cut > 0 && (bytes[cut] & 0xC0) == 0x80 { cut -= 1 }
            bytes.removeSubrange(cut...)
        }
        for (i, b) in bytes.enumerated() { buf[i] = b }
        buf[bytes.count] = 0
    }
}

func report(_ err: UnsafeMutablePointer<sf_error>?, _ status: SFStatus, _ message: String) -> sf_status {
    if let err { fill(err, status, message) }
    return sf_status(status)
}

func report(_ err: UnsafeMutablePointer<sf_error>?, _ e: SFError) -> sf_status {
    report(err, e.status, e.message)
}

func succeed(_ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    if let err { fill(err, .ok, "") }
    return SF_OK
}

/// Runs an exported function body, turning thrown errors into a status.
func guarded(_ err: UnsafeMutablePointer<sf_error>?, _ body: () throws(SFError) -> Void) -> sf_status {
    do {
        try body()
        return succeed(err)
    } catch let e {
        return report(err, e)
    }
}

/// An exported constructor: runs `make` and stores the new handle in *out,
/// which is NULL whenever the call fails.
func produceHandle(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ err: UnsafeMutablePointer<sf_error>?,
                   _ make: () throws(SFError) -> AnyObject) -> sf_status {
    guarded(err) { () throws(SFError) in
        guard let out else { throw SFError(.invalidArgument, "out is NULL") }
        out.pointee = nil
        out.pointee = Handles.make(try make())
    }
}

/// A batch call: runs `run` (which returns the failures of the items),
/// writes each item's error (success clears it) and the number failed, and
/// throws SF_ERR_BATCH_PARTIAL naming the first failure if any failed.
func reportBatch(count: Int, itemErrors: UnsafeMutablePointer<sf_error>?, failed: UnsafeMutablePointer<Int>?,
                 _ run: () -> [(index: Int, error: SFError)]) throws(SFError) {
    failed?.pointee = 0
    guard count > 0 else { return }
    if let itemErrors { for i in 0..<count { fill(itemErrors + i, .ok, "") } }
    let failures = run()
    for f in failures { if let itemErrors { fill(itemErrors + f.index, f.error.status, f.error.message) } }
    failed?.pointee = failures.count
    if let e = Batch.partialError(failures, count: count) { throw e }
}
