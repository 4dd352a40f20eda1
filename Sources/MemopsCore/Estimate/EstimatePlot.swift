import Foundation

/// Charts of a growth projection: a terminal bar chart and an SVG picture.
public enum EstimatePlot {
    /// One bar per sampled day, scaled to the larger of maxmemory and the peak total; `|` marks
    /// the data budget and `!` maxmemory.
    public static func bars(_ p: GrowthProjection, budget: BudgetBreakdown, rows: Int = 12, width: Int = 50) -> String {
        guard p.points.count > 1 else { return "" }
        let top = Double(max(budget.maxmemory, p.points.map(\.bytes).max() ?? 0))
        let dataCol = Int(Double(budget.dataBudget) / top * Double(width))
        let maxCol = Int(Double(budget.maxmemory) / top * Double(width))
        let stride = max(1, (p.points.count - 1) / rows)
        var out = ""
        for i in Swift.stride(from: 0, to: p.points.count, by: stride) {
            let point = p.points[i]
            let filled = Int(Double(point.bytes) / top * Double(width))
            var line = ""
            for col in 0..<max(width, maxCol + 1) {
                if col < filled { line += col >= dataCol ? "▓" : "█" }
                else if col == dataCol { line += "|" }
                else if col == maxCol { line += "!" }
                else { line += " " }
            }
            let day = String(format: "day %5.0f", point.day)
            out += "\(day) \(line) \(MemoryUnits.decimal(point.bytes))\n"
        }
        out += "          | data budget \(MemoryUnits.decimal(budget.dataBudget))   ! maxmemory \(MemoryUnits.decimal(budget.maxmemory))\n"
        return out
    }

    /// A self-contained SVG line chart: total bytes over days, with the data budget and
    /// maxmemory as horizontal lines and the crossings marked.
    public static func svg(_ p: GrowthProjection, budget: BudgetBreakdown, title: String) -> String {
        let w = 720.0, h = 400.0, left = 80.0, right = 20.0, topPad = 40.0, bottom = 50.0
        let maxDay = max(1, p.points.last?.day ?? 1)
        let maxBytes = Double(max(budget.maxmemory, p.points.map(\.bytes).max() ?? 1)) * 1.05
        func x(_ d: Double) -> Double { left + d / maxDay * (w - left - right) }
        func y(_ b: Double) -> Double { h - bottom - b / maxBytes * (h - topPad - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" viewBox="0 0 \(Int(w)) \(Int(h))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(w / 2))" y="22" text-anchor="middle" font-size="15">\(esc(title))</text>
            <line x1="\(f(left))" y1="\(f(h - bottom))" x2="\(f(w - right))" y2="\(f(h - bottom))" stroke="black"/>
            <line x1="\(f(left))" y1="\(f(topPad))" x2="\(f(left))" y2="\(f(h - bottom))" stroke="black"/>

            """
        for i in 0...5 {
            let b = maxBytes * Double(i) / 5
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y(b) + 4))\" text-anchor=\"end\">\(MemoryUnits.decimal(Int64(b)))</text>\n"
            let d = maxDay * Double(i) / 5
            svg += "<text x=\"\(f(x(d)))\" y=\"\(f(h - bottom + 18))\" text-anchor=\"middle\">\(Int(d.rounded()))</text>\n"
        }
        svg += "<text x=\"\(f((left + w - right) / 2))\" y=\"\(f(h - 10))\" text-anchor=\"middle\">days from now</text>\n"
        for (value, label, color) in [(budget.maxmemory, "maxmemory", "#c00"), (budget.dataBudget, "data budget (maxmemory − margins)", "#e80")] {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y(Double(value))))\" x2=\"\(f(w - right))\" y2=\"\(f(y(Double(value))))\" stroke=\"\(color)\" stroke-dasharray=\"6 4\"/>\n"
            svg += "<text x=\"\(f(w - right - 4))\" y=\"\(f(y(Double(value)) - 5))\" text-anchor=\"end\" fill=\"\(color)\">\(esc(label)) \(MemoryUnits.decimal(value))</text>\n"
        }
        let path = p.points.map { "\(f(x($0.day))),\(f(y(Double($0.bytes))))" }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"#06c\" stroke-width=\"2\" points=\"\(path)\"/>\n"
        if let d = p.daysToDataBudget {
            svg += "<circle cx=\"\(f(x(d)))\" cy=\"\(f(y(Double(budget.dataBudget))))\" r=\"4\" fill=\"#e80\"/>\n"
            svg += "<text x=\"\(f(x(d) + 6))\" y=\"\(f(y(Double(budget.dataBudget)) + 16))\" fill=\"#e80\">day \(f(d))</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }
}
