/// Precomputed material the generator slices from instead of drawing every byte: a text corpus
/// and a pool of float32 vector components. Built once per process, read-only after.
final class SampleDataPools: Sendable {
    /// The shared pools (fixed contents: the seed picks slices, not the pools).
    static let shared = SampleDataPools()

    /// 64 KiB of plausible text: words, sentences, lines.
    let corpus: [UInt8]
    /// 256 KiB of little-endian float32s, roughly normal around 0 (as embedding components are).
    let vectors: [UInt8]

    private init() {
        var r = SampleRandom(seed: 0x6d65_6d6f_7073)
        var text: [UInt8] = []
        text.reserveCapacity(65_536 + 64)
        var wordsInSentence = 0
        while text.count < 65_536 {
            let word = SampleDataPools.words[r.below(SampleDataPools.words.count)]
            text.append(contentsOf: word.utf8)
            wordsInSentence += 1
            if wordsInSentence > 6 && r.below(8) == 0 {
                text.append(contentsOf: r.below(5) == 0 ? [46, 10] : [46, 32])  // ".\n" or ". "
                wordsInSentence = 0
            } else {
                text.append(32)
            }
        }
        corpus = Array(text.prefix(65_536))

        var floats = [Float](repeating: 0, count: 65_536)
        for k in floats.indices {
            // Sum of four uniforms: close enough to a normal for sample vectors.
            let sum = r.unit() + r.unit() + r.unit() + r.unit()
            floats[k] = Float((sum - 2) * 0.1)
        }
        vectors = floats.withUnsafeBytes { Array($0) }
    }

    /// `length` bytes of text from a random place in the corpus (length ≤ 60 KiB).
    func text(_ r: inout SampleRandom, _ length: Int) -> [UInt8] {
        let start = r.below(corpus.count - length)
        return Array(corpus[start..<start + length])
    }

    /// `length` bytes of float32 components from a random, 4-aligned place in the pool.
    func vector(_ r: inout SampleRandom, _ length: Int) -> [UInt8] {
        let start = r.below((vectors.count - length) / 4) * 4
        return Array(vectors[start..<start + length])
    }

    static let words = [
        "the", "model", "inference", "latency", "tokens", "per", "second", "benchmark", "PyTorch", "ROCm", "kernel",
        "batch", "size", "context", "window", "quantization", "Q4_K_M", "GGUF", "llama.cpp", "memory", "bandwidth",
        "GPU", "VRAM", "offload", "layers", "attention", "flash", "cache", "prompt", "eval", "generation", "throughput",
        "embedding", "vector", "cosine", "similarity", "Redis", "stream", "consumer", "group", "pipeline", "training",
        "LoRA", "adapter", "epoch", "loss", "gradient", "checkpoint", "dataset", "shard", "node", "cluster", "beast",
        "dell", "heartbeat", "timeout", "retry", "error", "warning", "config", "compile", "build", "test", "passed",
        "failed", "file", "directory", "commit", "branch", "merge", "diff", "python", "bash", "script", "output",
        "result", "tool", "query", "answer", "user", "session", "task", "optimise", "profile", "trace", "hot", "path",
        "allocation", "buffer", "queue", "worker", "scheduler", "thread", "async", "lock", "and", "with", "for", "on",
        "in", "of", "to", "a", "is", "was", "from", "by", "at", "after", "before", "then", "now", "faster", "slower",
        "than", "expected", "baseline", "regression", "improved", "by", "12%", "3.4x", "89.3", "tok/s", "ms", "GB",
    ]
    static let userNames = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
    static let nodeNames = ["beast", "dell", "nas", "mini", "jetson", "studio", "rig", "pi5"]
    static let modelNames: [(name: String, size: String, quant: String, context: Int)] = [
        ("qwen3-30B-A3B", "17.28", "Q4_K_M", 32_768), ("llama-3.2-8B-instruct", "4.92", "Q4_K_M", 131_072),
        ("nomic-embed-text-v1.5", "0.27", "F16", 8_192), ("qwen3-LoRA-v5", "8.71", "Q5_K_M", 32_768),
        ("mistral-7B-instruct-v0.3", "4.37", "Q4_K_M", 32_768), ("phi-4-mini", "2.49", "Q4_K_M", 131_072),
        ("gemma-3-12B", "7.30", "Q4_K_M", 131_072), ("deepseek-r1-14B", "8.99", "Q4_K_M", 65_536),
    ]
    static let hardware: [(gpu: String, vram: Int, ram: Int, tflops: Int, role: String)] = [
        ("AMD R9700 32GB", 32, 128, 125, "training,inference"), ("RDNA2 12GB", 12, 32, 35, "inference,embeddings"),
        ("none", 0, 16, 1, "storage"), ("Radeon 780M", 8, 64, 9, "inference"),
        ("Jetson Orin 16GB", 16, 16, 67, "embeddings"),
    ]
    static let tasks = [
        "optimizing inference latency", "benchmarking Qwen3-30B on the R9700", "fine-tuning a LoRA adapter",
        "debugging a ROCm kernel crash", "tuning the embeddings pipeline", "cleaning the training dataset",
        "profiling memory bandwidth", "reviewing the backup script", "porting the scheduler to async",
        "evaluating quantization quality", "indexing the documentation", "triaging failed tool calls",
    ]
    static let files = [
        "TheRock/benchmark.py", "TheRock/phoronix_results.txt", "train/lora.py", "train/config.yaml",
        "mcp-server/redis_client.py", "scripts/backup.sh", "notes/latency.md", "models/qwen3.gguf",
        "eval/results.json", "pipeline/embed.py", "docker-compose.yml", "README.md",
    ]
}
