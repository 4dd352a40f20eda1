import Foundation

/// Runs the built `memops` executable, for end-to-end tests of exit codes and output.
public enum MemopsProcess {
    /// What a finished run printed and how it exited.
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The `memops` binary: `swift test` runs the test bundle from the build directory, beside it.
    public static func binary() throws -> URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("memops")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw TestServerError("memops is not built beside \(dir.path); run swift build --build-tests first")
    }

    /// Starts memops without waiting. `fileSizeLimitKB` runs it under `ulimit -f` (RLIMIT_FSIZE).
    public static func start(_ arguments: [String], environment: [String: String] = [:], fileSizeLimitKB: Int? = nil) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        let bin = try binary()
        if let limit = fileSizeLimitKB {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit -f \(limit); exec \"$0\" \"$@\"", bin.path] + arguments
        } else {
            process.executableURL = bin
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "REDISCLI_AUTH")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Runs memops to completion.
    public static func run(_ arguments: [String], environment: [String: String] = [:], fileSizeLimitKB: Int? = nil) throws -> Outcome {
        let (process, out, err) = try start(arguments, environment: environment, fileSizeLimitKB: fileSizeLimitKB)
        // Read both pipes concurrently so a full stderr pipe cannot stall the child.
        let errBox = DataBox()
        let reader = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errBox.data == nil { usleep(1000) }
        return Outcome(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: errBox.data!, as: UTF8.self))
    }

    final class DataBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Data?
        var data: Data? {
            get { lock.lock(); defer { lock.unlock() }; return value }
            set { lock.lock(); value = newValue; lock.unlock() }
        }
    }
}
