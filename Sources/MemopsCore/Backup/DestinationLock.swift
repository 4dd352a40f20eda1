import Foundation

/// An exclusive `flock` on `DEST/.memops-backup.lock`, so overlapping cron runs cannot write
/// the same folder. The kernel drops the lock when the holder dies, so a stale lock file from a
/// killed run never blocks; the file only records who holds it, for the message.
public final class DestinationLock {
    public let path: String
    private let fd: Int32

    /// Takes the lock, waiting up to `wait` seconds (0: fail at once with `BackupError.locked`).
    public init(directory: String, wait: Double = 0) throws {
        path = URL(fileURLWithPath: directory).appendingPathComponent(".memops-backup.lock").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError("open the lock file", path) }
        let deadline = Date().addingTimeInterval(wait)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let error = FileError("lock", path)
                close(fd)
                throw error
            }
            if Date() >= deadline {
                let holder = DestinationLock.holder(path)
                close(fd)
                throw BackupError.locked(dest: directory, holder: holder)
            }
            usleep(100_000)
        }
        let note = "pid \(getpid()) since \(UTCTime.iso8601(Date()))\n"
        ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func holder(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return text.isEmpty ? "lock held" : "held by \(text)"
    }
}
