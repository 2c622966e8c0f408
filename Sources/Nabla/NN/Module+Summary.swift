// A readable outline of a model, as `print(model)` gives in PyTorch.

extension Module {
    /// The model as an indented tree: each module's name and type, its own parameters and
    /// buffers with their shapes, and the total number of trainable parameters.
    ///
    ///     Sequential: 9,610 parameters
    ///       0: Linear  weight [128, 64]  bias [128]
    ///       1: ReLU
    ///       2: Linear  weight [10, 128]  bias [10]
    public var summary: String {
        var lines = ["\(Self.typeName(of: self)): \(Self.grouped(parameterCount)) parameters"]
        let parameters = namedParameters, buffers = namedBuffers
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(self)]
        // Submodules, depth first, with their path from the root.
        var modules: [(path: String, name: String, depth: Int, module: AnyObject)] = []
        func walk(_ module: AnyObject, prefix: String, depth: Int) {
            var mirror: Mirror? = Mirror(reflecting: module)
            var children: [Mirror.Child] = []
            while let current = mirror {
                children = Array(current.children) + children
                mirror = current.superclassMirror
            }
            let isSequence = module is any SequenceOfLayers
            for child in children {
                let label = child.label.map(ModuleContents<Scalar>.stateName) ?? ""
                let elements: [(String, Any)]
                if isSequence && child.label == "layers" || Mirror(reflecting: child.value).displayStyle == .collection {
                    let base = isSequence && child.label == "layers" ? prefix : prefix + label + "."
                    elements = Mirror(reflecting: child.value).children.enumerated().map { (base + String($0.offset), $0.element.value) }
                } else {
                    elements = [(prefix + label, child.value)]
                }
                for (path, value) in elements {
                    var value = value
                    if Mirror(reflecting: value).displayStyle == .optional, let wrapped = Mirror(reflecting: value).children.first { value = wrapped.value }
                    if let submodule = value as? any Module, seen.insert(ObjectIdentifier(submodule)).inserted {
                        modules.append((path, String(path.dropFirst(prefix.count)), depth + 1, submodule))
                        walk(submodule, prefix: path + ".", depth: depth + 1)
                    }
                }
            }
        }
        walk(self, prefix: "", depth: 0)
        func own(_ path: String) -> String {
            let prefix = path.isEmpty ? "" : path + "."
            let isOwn = { (name: String) in name.hasPrefix(prefix) && !name.dropFirst(prefix.count).contains(".") }
            let items = parameters.filter { isOwn($0.name) }.map { "\($0.name.dropFirst(prefix.count)) \($0.tensor.shape)" }
                + buffers.filter { isOwn($0.name) }.map { "\($0.name.dropFirst(prefix.count)) \($0.buffer.value.shape) (buffer)" }
            return items.isEmpty ? "" : "  " + items.joined(separator: "  ")
        }
        let root = own("")
        if !root.isEmpty { lines[0] += root }
        for (path, name, depth, module) in modules {
            lines.append(String(repeating: "  ", count: depth) + "\(name): \(Self.typeName(of: module))" + own(path))
        }
        return lines.joined(separator: "\n")
    }

    static func typeName(of module: AnyObject) -> String {
        let name = String(describing: type(of: module))
        return String(name.prefix { $0 != "<" })
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var result = ""
        for (k, character) in digits.enumerated() {
            if k > 0, (digits.count - k) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}
