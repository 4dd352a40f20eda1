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
    public static func binary(named name: String = "memops") throws -> URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw TestServerError("\(name) is not built beside \(dir.path); run swift build --build-tests first")
    }

    /// Starts memops without waiting. `fileSizeLimitKB` runs it under `ulimit -f` (RLIMIT_FSIZE).
    /// `program` names another executable of the package (memops-fuzz).
    public static func start(_ arguments: [String], environment: [String: String] = [:], fileSizeLimitKB: Int? = nil,
                             program: String = "memops") throws -> (Process, Pipe, Pipe) {
        let process = Process()
        let bin = try binary(named: program)
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
    public static func run(_ arguments: [String], environment: [String: String] = [:], fileSizeLimitKB: Int? = nil,
                           program: String = "memops") throws -> Outcome {
        let (process, out, err) = try start(arguments, environment: environment, fileSizeLimitKB: fileSizeLimitKB, program: program)
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

extension MemopsProcess {
    /// What a measured run printed, how it exited, and the most memory it ever had resident.
    public struct MeasuredOutcome: Sendable {
        public var outcome: Outcome
        /// Peak resident set size in bytes: the kernel's ru_maxrss of the memops process, from wait4.
        public var peakRSS: Int
    }

    /// Forks, execs memops with its output in files, reaps it with wait4 and prints its exit
    /// status and ru_maxrss (KB). A small python3 does it because a child's ru_maxrss starts at
    /// the resident size of the process it was forked from (Linux copies the mm's high-water
    /// mark on fork and keeps the old mm's on exec): spawned straight from the test process,
    /// which may hold the test's data, memops would be charged with that too.
    private static let measurer = """
        import os, sys
        stem = sys.argv[1]
        pid = os.fork()
        if pid == 0:
            os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
            os.dup2(os.open(stem + ".out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
            os.dup2(os.open(stem + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
            os.execv(sys.argv[2], sys.argv[2:])
        _, status, usage = os.wait4(pid, 0)
        print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
        """

    /// Runs memops to completion and measures its peak RSS exactly: the kernel's high-water
    /// mark of its resident memory, from wait4 (no sampling, nothing missed between samples;
    /// the floor is the ~10 MB of the python3 it is forked from). stdout and stderr go to files
    /// in `directory`, read back when it has exited.
    public static func runMeasured(_ arguments: [String], environment: [String: String] = [:], directory: String) throws -> MeasuredOutcome {
        let bin = try binary()
        let stem = directory + "/measured-\(UUID().uuidString.prefix(8))"
        let process = Process()
        process.executableURL = try RedisServerProcess.locate("python3")
        process.arguments = ["-c", measurer, stem, bin.path] + arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "REDISCLI_AUTH")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let report = Pipe()
        process.standardOutput = report
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: report.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard process.terminationStatus == 0, fields.count == 2 else {
            throw TestServerError("measuring memops failed (python3 exited \(process.terminationStatus)): \(text)")
        }
        let stdout = (try? Data(contentsOf: URL(fileURLWithPath: stem + ".out"))) ?? Data()
        let stderr = (try? String(contentsOfFile: stem + ".err", encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: stem + ".out")
        try? FileManager.default.removeItem(atPath: stem + ".err")
        // A signal shows as a negative exit code (waitstatus_to_exitcode): 128 + it, as in a shell.
        let status = fields[0] < 0 ? 128 - fields[0] : fields[0]
        return MeasuredOutcome(outcome: Outcome(status: Int32(status), stdout: stdout, stderr: stderr), peakRSS: fields[1] * 1024)
    }
}
