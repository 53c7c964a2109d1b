import Foundation

/// The package's root directory (for Schemas/ and Tools/).
public enum PackagePaths {
    public static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
    public static var schemas: String { root + "/Schemas" }

    /// Whether `python3 -c "import MODULE"` works here.
    public static func pythonHas(_ module: String) -> Bool {
        (try? runProcess("/usr/bin/env", ["python3", "-c", "import \(module)"]).status) == 0
    }
}
