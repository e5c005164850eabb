using System.Reflection;
using System.Runtime.InteropServices;

namespace WebRtcNative.Bindings.Tests;

/// <summary>Where the loader looks for the native library, and the raw layer's public API tracking.</summary>
public class RidAndApiTests
{
    [Theory]
    [InlineData("linux-x64", "linux", "x64", false, new[] { "linux-x64" })]
    [InlineData("linux-musl-x64", "linux", "x64", true, new[] { "linux-musl-x64" })]
    [InlineData("alpine.3.20-x64", "linux", "x64", true, new[] { "alpine.3.20-x64", "linux-musl-x64" })]
    [InlineData("debian.12-arm64", "linux", "arm64", false, new[] { "debian.12-arm64", "linux-arm64" })]
    [InlineData("win-x64", "win", "x64", false, new[] { "win-x64" })]
    [InlineData("osx-arm64", "osx", "arm64", false, new[] { "osx-arm64" })]
    public void RidCandidates_StartWithTheRuntimesRid_ThenThePortableOne(string runtimeRid, string os, string arch, bool musl, string[] expected)
    {
        Assert.Equal(expected, RtcNativeLibrary.RidCandidates(runtimeRid, os, arch, musl));
    }

    [Fact]
    public void ThisProcess_ProbesTheRuntimeIdentifierFirst()
    {
        var rids = RtcNativeLibrary.RidCandidates();
        Assert.Equal(RuntimeInformation.RuntimeIdentifier, rids[0]);
        Assert.Contains(RtcNativeLibrary.CurrentRid(), rids);
        Assert.EndsWith("-" + RtcNativeLibrary.ArchName(RuntimeInformation.ProcessArchitecture), RtcNativeLibrary.CurrentRid());
    }

    [Fact]
    public void EveryPublicTypeAndMember_IsDeclaredInPublicApiFiles()
    {
        string dir = Path.Combine(Repo.Root, "src", "Bindings");
        string csproj = File.ReadAllText(Path.Combine(dir, "WebRtcNative.Bindings.csproj"));
        Assert.Contains("Microsoft.CodeAnalysis.PublicApiAnalyzers", csproj);
        string api = File.ReadAllText(Path.Combine(dir, "PublicAPI.Shipped.txt")) + File.ReadAllText(Path.Combine(dir, "PublicAPI.Unshipped.txt"));
        var missing = new List<string>();
        foreach (var type in typeof(RtcNative).Assembly.GetExportedTypes())
        {
            if (!api.Contains(type.FullName!, StringComparison.Ordinal))
                missing.Add(type.FullName!);
            foreach (var m in type.GetMembers(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (m is MethodInfo { IsSpecialName: true } || m.Name is ".ctor" or "value__")
                    continue;
                if (!api.Contains($"{type.FullName}.{m.Name}", StringComparison.Ordinal))
                    missing.Add($"{type.FullName}.{m.Name}");
            }
        }
        Assert.Empty(missing);
    }
}
