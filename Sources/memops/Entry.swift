import MemopsCLI

@main
enum Entry {
    static func main() {
        MemopsCommand.entry()
    }
}
