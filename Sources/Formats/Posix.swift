// Posix: the few system calls the readers and writers use, under names no method shadows.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }
@inline(__always) func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int { write(fd, p, n) }
@inline(__always) func posixClose(_ fd: Int32) -> Int32 { close(fd) }
/// The text of the current `errno`.
func systemErrorText() -> String { String(cString: strerror(errno)) }
