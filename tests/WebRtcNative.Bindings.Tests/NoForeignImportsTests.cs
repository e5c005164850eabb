using System.Text.RegularExpressions;

namespace WebRtcNative.Bindings.Tests;

/// <summary>All native rtc* calls go through WebRtcNative.Bindings: no other C# declares its own import of them.</summary>
public sealed partial class NoForeignImportsTests
{
    // An import attribute ...
    [GeneratedRegex(@"\[\s*(?:[\w.]+\.)?(?:DllImport|LibraryImport)(?:Attribute)?\s*\(")]
    private static partial Regex ImportAttribute();

    // ... whose declaration (up to the end of the method signature) names an rtc* entry point or method.
    [GeneratedRegex(@"EntryPoint\s*=\s*""rtc|\brtc[A-Z]\w*\s*\(|webrtcnative|datachannel", RegexOptions.IgnoreCase)]
    private static partial Regex RtcTarget();

    internal static List<string> FindForeignImports(string text)
    {
        var hits = new List<string>();
        foreach (Match m in ImportAttribute().Matches(text))
        {
            int end = text.IndexOf(';', m.Index);
            string decl = text[m.Index..(end < 0 ? text.Length : end)];
            if (RtcTarget().IsMatch(decl))
                hits.Add(decl.Split('\n').First().Trim());
        }
        return hits;
    }

    private static bool Excluded(string relative)
    {
        string r = relative.Replace('\\', '/');
        return r.StartsWith("src/Bindings/Generated/", StringComparison.Ordinal)
            || r.StartsWith("tools/BindingsGenerator/", StringComparison.Ordinal)
            || r.StartsWith(".git/", StringComparison.Ordinal)
            || r.Split('/').Any(seg => seg is "bin" or "obj" or "build" or "node_modules");
    }

    [Fact]
    public void NoRtcImportsOutsideTheGeneratedBindings()
    {
        var offenders = new List<string>();
        int scanned = 0;
        foreach (string file in Directory.EnumerateFiles(Repo.Root, "*.cs", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(Repo.Root, file);
            if (Excluded(rel))
                continue;
            scanned++;
            foreach (string hit in FindForeignImports(File.ReadAllText(file)))
                offenders.Add($"{rel}: {hit}");
        }
        Assert.True(scanned > 0);
        Assert.True(offenders.Count == 0, "Declare native rtc* functions only in src/Bindings (generated):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void DetectorFindsImports()
    {
        // built from pieces so that this file itself does not contain an import attribute
        string q = "\"", o = "[";
        Assert.Single(FindForeignImports($"{o}DllImport({q}webrtcnative{q})]\nstatic extern int rtcCreatePeerConnection(IntPtr c);"));
        Assert.Single(FindForeignImports($"{o}System.Runtime.InteropServices.LibraryImport(Lib, EntryPoint = {q}rtcClose{q})]\n[UnmanagedCallConv]\nprivate static partial int Close(int id);"));
        Assert.Single(FindForeignImports($"{o}LibraryImport(RtcNative.LibraryName)] static partial void rtcCleanup();"));
        Assert.Empty(FindForeignImports($"{o}DllImport({q}libc{q})]\nstatic extern int getpid();"));
        Assert.Empty(FindForeignImports("int x = RtcNative.rtcClose(id);"));
    }
}
