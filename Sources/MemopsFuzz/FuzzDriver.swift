import Foundation

/// Hands the chosen target to libFuzzer when this is a fuzzing build (`-D MEMOPS_FUZZ` with
/// `-sanitize=fuzzer`, as scripts/fuzz builds it); a plain build replays the files it is given.
enum FuzzDriver {
    nonisolated(unsafe) static var target: FuzzTarget = .rdb

    static func run(_ target: FuzzTarget, arguments: [String]) -> Never {
        self.target = target
        #if MEMOPS_FUZZ
        // libFuzzer parses its own flags; it sees this program's name and everything after the target.
        var argv: [UnsafeMutablePointer<CChar>?] = ([CommandLine.arguments[0]] + arguments).map { strdup($0) } + [nil]
        var argc = Int32(argv.count - 1)
        let status = argv.withUnsafeMutableBufferPointer { buffer in
            var base = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &base) { data, size in
                FuzzDriver.target.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
                return 0
            }
        }
        exit(status)
        #else
        guard !arguments.isEmpty else {
            FileHandle.standardError.write(Data("memops-fuzz: this build replays files (memops-fuzz \(target.rawValue) FILE...); scripts/fuzz builds the fuzzer\n".utf8))
            exit(2)
        }
        for path in arguments {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("memops-fuzz: cannot read \(path)\n".utf8))
                exit(2)
            }
            target.run([UInt8](data))
        }
        print("memops-fuzz: \(target.rawValue): \(arguments.count) inputs, no finding")
        exit(0)
        #endif
    }
}

#if MEMOPS_FUZZ
/// libFuzzer's entry point for a program that keeps its own `main` (FuzzerDriver.cpp).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32
#endif
