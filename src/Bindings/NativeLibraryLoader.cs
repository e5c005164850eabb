using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace WebRtcNative.Bindings;

/// <summary>
/// Locates and loads the native <c>webrtcnative</c> library used by <see cref="RtcNative"/>.
/// </summary>
/// <remarks>
/// <para>A <see cref="NativeLibrary.SetDllImportResolver(Assembly, DllImportResolver)"/> resolver is installed for this
/// assembly when it is loaded. On first use of <see cref="RtcNative"/> it tries, in order:</para>
/// <list type="number">
/// <item><description><see cref="Path"/>, when set;</description></item>
/// <item><description>the environment variable <c>WEBRTCNATIVE_LIBRARY</c> (a full path; e.g. an upstream <c>libdatachannel.so</c>, which exports the same C API);</description></item>
/// <item><description><c>&lt;AppContext.BaseDirectory&gt;/runtimes/&lt;rid&gt;/native/</c> for the runtime's <see cref="RuntimeInformation.RuntimeIdentifier"/>, then the portable RID (musl: <c>linux-musl-&lt;arch&gt;</c>), then <c>&lt;os&gt;-&lt;arch&gt;</c>, + <c>libwebrtcnative.so</c>, <c>libwebrtcnative.dll</c> or <c>libwebrtcnative.dylib</c>
/// (rid: <c>linux-x64</c>, <c>linux-arm64</c>, <c>win-x64</c>, <c>osx-arm64</c>, <c>osx-x64</c>, ...);</description></item>
/// <item><description>the directory of this assembly;</description></item>
/// <item><description>the runtime's default probing for <c>webrtcnative</c>.</description></item>
/// </list>
/// <para>An explicit <see cref="Path"/> or <c>WEBRTCNATIVE_LIBRARY</c> that cannot be loaded is an error: there is no silent fallback.</para>
/// </remarks>
public static class RtcNativeLibrary
{
    /// <summary>Name of the environment variable holding an explicit library path.</summary>
    public const string EnvironmentVariable = "WEBRTCNATIVE_LIBRARY";

    private static readonly object s_lock = new();
    private static string? s_path;
    private static string? s_loadedPath;
    private static IntPtr s_handle;
    private static int s_installed;

    /// <summary>
    /// Explicit path of the native library, tried first. Set it before the first call into <see cref="RtcNative"/>;
    /// setting it once the library is loaded throws <see cref="InvalidOperationException"/>.
    /// </summary>
    [SuppressMessage("Naming", "CA1721", Justification = "Path is the natural name; System.IO.Path is qualified here.")]
    public static string? Path
    {
        get
        {
            lock (s_lock)
                return s_path;
        }
        set
        {
            lock (s_lock)
            {
                if (s_handle != IntPtr.Zero)
                    throw new InvalidOperationException(
                        $"The native library is already loaded from '{s_loadedPath}'; set {nameof(RtcNativeLibrary)}.{nameof(Path)} before the first call into {nameof(RtcNative)}.");
                s_path = value;
            }
        }
    }

    /// <summary>Where the native library was loaded from (a full path, or the bare name for default probing); <see langword="null"/> before it is loaded.</summary>
    public static string? LoadedPath
    {
        get
        {
            lock (s_lock)
                return s_loadedPath;
        }
    }

    /// <summary>Whether the native library has been loaded.</summary>
    public static bool IsLoaded
    {
        get
        {
            lock (s_lock)
                return s_handle != IntPtr.Zero;
        }
    }

    /// <summary>
    /// Loads the native library now (it is otherwise loaded on the first call into <see cref="RtcNative"/>) and returns its handle.
    /// </summary>
    /// <exception cref="DllNotFoundException">No candidate could be loaded.</exception>
    public static IntPtr Load() => LoadCore(typeof(RtcNativeLibrary).Assembly, null);

#pragma warning disable CA2255 // ModuleInitializer in a library: installing the DllImport resolver for this very assembly is its purpose.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void InstallResolver()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(RtcNativeLibrary).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != RtcNative.LibraryName)
            return IntPtr.Zero;
        return LoadCore(assembly, searchPath);
    }

    private static IntPtr LoadCore(Assembly assembly, DllImportSearchPath? searchPath)
    {
        lock (s_lock)
        {
            if (s_handle != IntPtr.Zero)
                return s_handle;

            if (!string.IsNullOrEmpty(s_path))
                return Commit(LoadExplicit(s_path!, $"{nameof(RtcNativeLibrary)}.{nameof(Path)}"), s_path!);

            string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrEmpty(env))
                return Commit(LoadExplicit(env!, EnvironmentVariable), env!);

            var tried = new List<string>();
            foreach (string candidate in Candidates(assembly))
            {
                tried.Add(candidate);
                if (System.IO.File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out IntPtr handle))
                    return Commit(handle, candidate);
            }

            tried.Add($"default probing for '{RtcNative.LibraryName}'");
            if (NativeLibrary.TryLoad(RtcNative.LibraryName, assembly, searchPath, out IntPtr h))
                return Commit(h, RtcNative.LibraryName);

            throw new DllNotFoundException(
                $"Unable to load the native library '{RtcNative.LibraryName}'. Tried: {string.Join("; ", tried)}. " +
                $"Build it (cmake -S native -B native/build && cmake --build native/build && cmake --install native/build --prefix runtimes/{CurrentRid()}/native), " +
                $"or set {nameof(RtcNativeLibrary)}.{nameof(Path)} or the {EnvironmentVariable} environment variable.");
        }
    }

    private static IntPtr LoadExplicit(string path, string source)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new DllNotFoundException($"Unable to load the native library from {source} = '{path}': {e.Message}", e);
        }
    }

    private static IntPtr Commit(IntPtr handle, string path)
    {
        s_handle = handle;
        s_loadedPath = path;
        return handle;
    }

    /// <summary>File name of the native library on the current OS.</summary>
    internal static string FileName =>
        OperatingSystem.IsWindows() ? "libwebrtcnative.dll"
        : OperatingSystem.IsMacOS() ? "libwebrtcnative.dylib"
        : "libwebrtcnative.so";

    /// <summary>Portable runtime identifier of the current process, e.g. <c>linux-x64</c> or <c>linux-musl-x64</c>.</summary>
    internal static string CurrentRid() => PortableRid();

    /// <summary>The portable RID of this process: the runtime's own when it is portable, else derived from the OS, libc and architecture.</summary>
    internal static string PortableRid() => PortableRid(RuntimeInformation.RuntimeIdentifier, OsFamily(), ArchName(RuntimeInformation.ProcessArchitecture), IsMusl());

    /// <summary>The <c>runtimes/&lt;rid&gt;/native</c> folders to probe, most specific first.</summary>
    internal static IReadOnlyList<string> RidCandidates() =>
        RidCandidates(RuntimeInformation.RuntimeIdentifier, OsFamily(), ArchName(RuntimeInformation.ProcessArchitecture), IsMusl());

    /// <summary>
    /// Probing order for a runtime RID (<see cref="RuntimeInformation.RuntimeIdentifier"/>, e.g. <c>linux-x64</c>,
    /// <c>linux-musl-arm64</c>, or a distribution's non-portable <c>debian.12-x64</c>): that RID, then the
    /// portable one for the same OS, libc and architecture (musl: <c>linux-musl-&lt;arch&gt;</c>), then
    /// <c>&lt;os&gt;-&lt;arch&gt;</c>.
    /// </summary>
    internal static IReadOnlyList<string> RidCandidates(string runtimeRid, string os, string arch, bool musl)
    {
        var rids = new List<string>();
        if (!string.IsNullOrEmpty(runtimeRid))
            rids.Add(runtimeRid);
        string portable = PortableRid(runtimeRid, os, arch, musl);
        if (!rids.Contains(portable))
            rids.Add(portable);
        string plain = $"{os}-{arch}";
        if (!musl && !rids.Contains(plain))
            rids.Add(plain);
        return rids;
    }

    internal static string PortableRid(string runtimeRid, string os, string arch, bool musl)
    {
        if (musl || (runtimeRid?.Contains("-musl-", StringComparison.Ordinal) ?? false))
            return $"linux-musl-{arch}";
        return $"{os}-{arch}";
    }

    private static string OsFamily() =>
        OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsFreeBSD() ? "freebsd" : "linux";

    internal static string ArchName(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "x64",
        Architecture.X86 => "x86",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether this Linux process runs on musl libc (Alpine and the like).</summary>
    private static bool IsMusl()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        if (RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal))
            return true;
        try
        {
            // musl's dynamic loader is /lib/ld-musl-<arch>.so.1; glibc systems do not have it.
            return System.IO.Directory.Exists("/lib") && System.IO.Directory.GetFiles("/lib", "ld-musl-*").Length > 0;
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty Location (single-file apps) just skips this candidate.")]
    private static string? AssemblyDirectory(Assembly assembly)
    {
        string location = assembly.Location;
        return string.IsNullOrEmpty(location) ? null : System.IO.Path.GetDirectoryName(location);
    }

    private static IEnumerable<string> Candidates(Assembly assembly)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string rid in RidCandidates())
        {
            string p = System.IO.Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", FileName);
            if (seen.Add(p))
                yield return p;
        }

        string? assemblyDir = AssemblyDirectory(assembly);
        if (!string.IsNullOrEmpty(assemblyDir))
        {
            string p = System.IO.Path.Combine(assemblyDir!, FileName);
            if (seen.Add(p))
                yield return p;
        }
    }
}
