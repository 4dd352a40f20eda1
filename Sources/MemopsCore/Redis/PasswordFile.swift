import Foundation

/// Reads a password from a file that only its owner can read, like ssh does for keys.
public enum PasswordFile {
    /// The first line of `path`, refused when the file is readable by its group or others.
    public static func read(_ path: String) throws(PasswordFileError) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw .unreadable(path, String(cString: strerror(errno)))
        }
        if st.st_mode & 0o077 != 0 {
            throw .tooOpen(path, Int(st.st_mode & 0o777))
        }
        let data: [UInt8]
        do {
            data = try readSmallFile(path, limit: 1 << 20)
        } catch {
            throw .unreadable(path, "cannot read it: \(error.reason)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let line = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).first ?? ""
        return String(line).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }
}

/// A password file memops will not use, and how to fix it.
public enum PasswordFileError: MemopsError, Equatable {
    case unreadable(String, String)
    case tooOpen(String, Int)

    public var exitStatus: ExitStatus { .usage }

    public var description: String {
        switch self {
        case .unreadable(let path, let why):
            return "cannot read password file \(path): \(why)"
        case .tooOpen(let path, let mode):
            return "password file \(path) has mode \(String(mode, radix: 8)), readable by others; run chmod 600 \(path)"
        }
    }
}
