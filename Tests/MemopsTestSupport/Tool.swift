import Foundation

/// Runs a helper tool the tests need (openssl, redis-cli) to completion: its status and output.
/// The output it prints goes to one pipe at a time, small enough not to stall the tool.
public enum Tool {
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(_ name: String, _ args: [String], in directory: URL? = nil) throws -> Outcome {
        let p = Process()
        p.executableURL = try RedisServerProcess.locate(name)
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }
}
