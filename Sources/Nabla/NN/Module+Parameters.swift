// Finding a module's parameters, buffers and submodules by reflection over its stored
// properties (declaration order, depth first, each shared object once: PyTorch's order).

extension Module {
    /// The trainable parameters (leaf tensors) with their dotted names, in declaration order.
    public var namedParameters: [(name: String, tensor: Tensor<Scalar>)] { contents().parameters }

    /// The trainable parameters, in declaration order (what an optimiser is given).
    public var parameters: [Tensor<Scalar>] { contents(named: false).parameters.map(\.tensor) }

    /// The buffers (state saved with the model but not trained, such as running statistics).
    public var namedBuffers: [(name: String, buffer: Buffer<Scalar>)] { contents().buffers }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.shape.count } }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for parameter in parameters { parameter.zeroGrad() } }

    /// Puts every training-mode-dependent module (dropout, batch norm) in training mode.
    public func train() { setTraining(true) }

    /// Puts every training-mode-dependent module in evaluation mode: dropout passes its input
    /// through, batch norm uses its running statistics.
    public func eval() { setTraining(false) }

    private func setTraining(_ training: Bool) {
        for module in contents(named: false).modules {
            (module as? TrainingModeDependent)?.isTraining = training
        }
    }

    /// Runs `body` with every training-mode-dependent module in training (or evaluation) mode,
    /// then gives each module back the mode it had.
    public func withMode<Result>(training: Bool, _ body: () throws -> Result) rethrows -> Result {
        let modules = contents(named: false).modules.compactMap { $0 as? TrainingModeDependent }
        let before = modules.map(\.isTraining)
        for module in modules { module.isTraining = training }
        defer { for (module, mode) in zip(modules, before) { module.isTraining = mode } }
        return try body()
    }

    /// What reflection finds in this module; without `named`, every name is empty (the walk
    /// then builds no strings).
    func contents(named: Bool = true) -> ModuleContents<Scalar> {
        var contents = ModuleContents<Scalar>(named: named)
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(self)]
        contents.modules.append(self)
        contents.collect(from: self, prefix: "", seen: &seen)
        return contents
    }
}

/// What reflection finds in a module.
struct ModuleContents<Scalar: TensorScalar> {
    /// Whether the walk names what it finds (PyTorch's dotted names) or leaves every name empty.
    let named: Bool
    var parameters: [(name: String, tensor: Tensor<Scalar>)] = []
    var buffers: [(name: String, buffer: Buffer<Scalar>)] = []
    var modules: [AnyObject] = []

    /// Walks the stored properties of `value` (and of its superclasses). Recursion follows the
    /// nesting of modules in the source, not anything that grows with data.
    mutating func collect(from value: Any, prefix: String, seen: inout Set<ObjectIdentifier>) {
        var mirror: Mirror? = Mirror(reflecting: value)
        var children: [Mirror.Child] = []
        while let current = mirror {
            children = Array(current.children) + children      // superclass properties first
            mirror = current.superclassMirror
        }
        let isSequence = value is any SequenceOfLayers
        for (offset, child) in children.enumerated() {
            if isSequence, child.label == "layers" {
                // Sequential's layers are named by their index alone ("0.weight"), as in PyTorch.
                for (index, layer) in Mirror(reflecting: child.value).children.enumerated() {
                    visit(layer.value, name: named ? prefix + String(index) : "", seen: &seen)
                }
                continue
            }
            guard named else {
                visit(child.value, name: "", seen: &seen)
                continue
            }
            let label = child.label.map(ModuleContents.stateName) ?? String(offset)
            visit(child.value, name: prefix + label, seen: &seen)
        }
    }

    private mutating func visit(_ value: Any, name: String, seen: inout Set<ObjectIdentifier>) {
        if let tensor = value as? Tensor<Scalar> {
            if tensor.isLeaf { parameters.append((name, tensor)) }
        } else if let buffer = value as? Buffer<Scalar> {
            if seen.insert(ObjectIdentifier(buffer)).inserted { buffers.append((name, buffer)) }
        } else if let module = value as? any Module {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            modules.append(module)
            collect(from: module, prefix: named ? name + "." : "", seen: &seen)
        } else {
            let mirror = Mirror(reflecting: value)
            switch mirror.displayStyle {
            case .optional:
                if let wrapped = mirror.children.first { visit(wrapped.value, name: name, seen: &seen) }
            case .collection, .tuple:
                for (offset, element) in mirror.children.enumerated() {
                    visit(element.value, name: named ? name + "." + String(offset) : "", seen: &seen)
                }
            default: break
            }
        }
    }

    /// A Swift property name as PyTorch writes it: `runningMean` → `running_mean`; a leading
    /// underscore (property wrappers, lazy storage) dropped.
    static func stateName(_ label: String) -> String {
        var name = ""
        for character in label.drop(while: { $0 == "_" }) {
            if character.isUppercase {
                if !name.isEmpty { name.append("_") }
                name.append(contentsOf: character.lowercased())
            } else {
                name.append(character)
            }
        }
        return name
    }
}

/// A module whose stored `layers` array names its elements by index alone, as PyTorch's
/// `nn.Sequential` does.
public protocol SequenceOfLayers {}
