extension SafeTensors {
    /// The bytes of a safetensors file holding these tensors and metadata.
    ///
    /// The layout is the reference writer's (`safetensors.torch.save_file`), so equal contents
    /// always give equal bytes, whatever order the tensors were added in:
    ///
    /// - the data section lays tensors out widest dtype first (the reverse of
    ///   ``DType``'s declaration order: U64, I64, F64, C64, F32, …, BOOL), then by name
    ///   (byte-wise), so every tensor starts at a multiple of its element size;
    /// - the header is compact JSON: `__metadata__` first (keys sorted; left out when
    ///   empty), then the tensors in data order, each as `{"dtype", "shape", "data_offsets"}`;
    /// - the header is padded with spaces to a multiple of 8 bytes, so the data section is
    ///   8-byte aligned in the file.
    ///
    /// Any order is valid for readers; this one lets a reader map the file and use each tensor
    /// in place.
    public func encoded() -> [UInt8] {
        let (prefix, ordered) = layout()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ordered.reduce(prefix.count) { $0 + $1.bytes.count })
        bytes.append(contentsOf: prefix)
        for tensor in ordered { bytes.append(contentsOf: tensor.bytes) }
        return bytes
    }

    /// The file as ``encoded()`` lays it out, in pieces: the header length and the header, then
    /// the tensors whose bytes follow, in order (so that a writer need not join them).
    func layout() -> (prefix: [UInt8], tensors: [StoredTensor]) {
        let ordered = tensors.sorted { a, b in
            let (rankA, rankB) = (a.tensor.dtype.layoutRank, b.tensor.dtype.layoutRank)
            if rankA != rankB { return rankA > rankB }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }

        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            members.append(JSON.string(Self.metadataKey) + ":{" + pairs.map { JSON.string($0.key) + ":" + JSON.string($0.value) }.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, tensor) in ordered {
            let end = offset + tensor.bytes.count
            let shape = tensor.shape.dimensions.map(String.init).joined(separator: ",")
            members.append(JSON.string(name) + ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var prefix: [UInt8] = []
        prefix.reserveCapacity(8 + header.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { prefix.append(contentsOf: $0) }
        prefix.append(contentsOf: header)
        return (prefix, ordered.map(\.tensor))
    }
}
