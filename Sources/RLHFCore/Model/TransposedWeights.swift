/// The transposes of the weights whose products `Matmul.forward` runs on `SmallGemm` (which
/// reads weight^T by rows), made once per forward pass: a scoring pass goes through the model
/// in chunks of ~512 rows and would otherwise transpose every matrix again for each chunk.
/// Interleaved A/B against sgemm, 3 rounds: transposing per call, stories260k scoring ran 1.06x
/// and small 0.98x; transposing once per pass, 1.11x and 1.07x.
///
/// Empty when every product stays with sgemm (both widths above 128, or more than one BLAS
/// thread; see `SmallGemmRoute`).
final class TransposedWeights {
    /// One linear product of the forward pass: the weight's offset in the parameters and shape.
    private struct Product {
        let offset: Int, inDim: Int, outDim: Int
    }

    private let products: [Product]
    private var buffer: FloatBuffer?
    /// Where each transposed weight starts in `buffer`, by its offset in the parameters; absent
    /// when its product stays with sgemm.
    private var starts: [Int: Int] = [:]

    init(layout: ParameterLayout, headOffset: Int, headWidth: Int) {
        let config = layout.config
        let c = config.dim, f = config.hiddenDim, s3 = config.dim + 2 * config.kvDim
        var products: [Product] = []
        for w in layout.layers {
            products += [Product(offset: w.wq, inDim: c, outDim: s3), Product(offset: w.wo, inDim: c, outDim: c),
                         Product(offset: w.gate, inDim: c, outDim: 2 * f), Product(offset: w.down, inDim: f, outDim: c)]
        }
        products.append(Product(offset: headOffset, inDim: c, outDim: headWidth))
        self.products = products
    }

    /// Transposes every routed weight from `parameters`; call at the start of each pass (the
    /// weights change between passes, and so can the BLAS thread count that routes them).
    func refresh(from parameters: UnsafePointer<Float>) {
        starts.removeAll(keepingCapacity: true)
        var total = 0
        for product in products {
            let count = Matmul.transposedCount(inDim: product.inDim, outDim: product.outDim)
            guard count > 0 else { continue }
            starts[product.offset] = total
            total += count
        }
        guard total > 0 else { return }
        if (buffer?.count ?? 0) < total { buffer = FloatBuffer(count: total) }
        guard let base = buffer?.pointer else { return }
        for product in products {
            guard let start = starts[product.offset] else { continue }
            Matmul.transpose(parameters + product.offset, inDim: product.inDim, outDim: product.outDim,
                             into: base + start)
        }
    }

    /// The transpose of the weight at `offset` from the last `refresh`, or nil when its product
    /// stays with sgemm.
    func transposed(at offset: Int) -> UnsafePointer<Float>? {
        guard let start = starts[offset], let base = buffer?.pointer else { return nil }
        return UnsafePointer(base + start)
    }
}
