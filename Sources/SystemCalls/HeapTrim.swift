#if canImport(Glibc)
import Glibc
#endif

/// glibc's `malloc_trim(3)`: hands the free pages of every malloc arena back to the kernel.
///
/// glibc keeps freed memory for reuse, so a burst (64 watchers' queues full while the machine is
/// busy, a large reply) would stay in the daemon's anonymous memory for good, although bounded.
/// `malloc.h` is not part of Swift's Glibc module, so the function is looked up by name.
public enum HeapTrim {
    private typealias MallocTrim = @convention(c) (Int) -> Int32

    private static let mallocTrim: MallocTrim? = {
        // RTLD_DEFAULT is ((void *) 0) in glibc.
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: MallocTrim.self)
    }()

    /// Returns whether any memory went back to the kernel (false where there is no glibc).
    @discardableResult
    public static func trim() -> Bool {
        (mallocTrim?(0) ?? 0) == 1
    }
}
