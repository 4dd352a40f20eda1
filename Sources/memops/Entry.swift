import MemopsCLI

@main
enum Entry {
    static func main() async {
        await MemopsCommand.entry()
    }
}
