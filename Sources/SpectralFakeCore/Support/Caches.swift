import CSFCodec

/// The memory the library keeps between calls: FFT plans, pooled FFT work
/// buffers (at most 128 MiB, none above 64 MiB), radial bin maps (at most
/// 64 MiB, none above 32 MiB) and spline plans (at most 4 MiB).
public enum Caches {
    /// Releases all of it (sf_trim_caches). Calls running meanwhile keep
    /// what they hold and finish normally; later calls rebuild what they
    /// need. Also returns free heap pages to the system (malloc_trim).
    public static func trim() {
        FFTBufferPool.trim()
        RadialBinMap.trimCache()
        Interpolation.trimCache()
        FFT.trimPlans()
        sfc_release_free_memory()
    }
}
