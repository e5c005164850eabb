namespace WebRtcNative.Bindings.Tests;

internal static class Repo
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The repository root: first folder above the test binaries holding WebRtcNative.sln or native/include/rtc/rtc.h.</summary>
    public static string Root => s_root.Value;

    public static string Header => Path.Combine(Root, "native", "include", "rtc", "rtc.h");
    public static string GeneratedDir => Path.Combine(Root, "src", "Bindings", "Generated");

    private static string FindRoot()
    {
        // The test binaries normally live under the repo; when built elsewhere (-o), fall back to this source file's folder.
        foreach (string? start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(ThisFile()) })
        {
            for (DirectoryInfo? d = string.IsNullOrEmpty(start) ? null : new(start); d != null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "WebRtcNative.sln"))
                    || File.Exists(Path.Combine(d.FullName, "native", "include", "rtc", "rtc.h")))
                    return d.FullName;
            }
        }
        throw new InvalidOperationException($"repository root not found above {AppContext.BaseDirectory}");
    }

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}
