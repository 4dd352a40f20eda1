import Foundation

// memops-fuzz: the fuzz targets of memops (see Targets.swift).
//
//   memops-fuzz list                      the targets
//   memops-fuzz seed TARGET DIR           writes TARGET's generated seeds into DIR
//   memops-fuzz TARGET [LIBFUZZER-ARGS]   fuzzes (built by scripts/fuzz with -sanitize=fuzzer)
//   memops-fuzz TARGET FILE...            runs each file once (a plain build: replaying findings)

let arguments = CommandLine.arguments
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("memops-fuzz: \(message)\n".utf8))
    exit(2)
}

guard arguments.count >= 2 else { fail("name a target (memops-fuzz list)") }
switch arguments[1] {
case "list":
    for t in FuzzTarget.allCases { print("\(t.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(t.summary)") }
    exit(0)
case "seed":
    guard arguments.count == 4, let target = FuzzTarget(rawValue: arguments[2]) else { fail("usage: memops-fuzz seed TARGET DIR") }
    do {
        try Seeds.write(target, into: arguments[3])
    } catch {
        fail("cannot write the seeds of \(target.rawValue) into \(arguments[3]): \(error)")
    }
    exit(0)
default:
    guard let target = FuzzTarget(rawValue: arguments[1]) else {
        fail("no target \(arguments[1]); the targets are \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    FuzzDriver.run(target, arguments: Array(arguments.dropFirst(2)))
}
