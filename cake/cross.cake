// Cross-platform assets and tests (issue 12), loaded by build.cake. Everything here runs on a
// Linux x64 host:
//   win-x64      mingw-w64 cross build (dependencies from Debian source packages, cached) and
//                the native C tests under Wine (fresh WINEPREFIX per run);
//   linux-arm64  cross build against a sysroot of Debian arm64 .debs (cached) and the native C
//                tests under qemu-aarch64-static;
//   net8.0       the managed suite, self-contained on a real .NET 8 runtime (tests/Net8Runner).
// Dependency caches live outside the repository (~/.cache/webrtcnative or $WEBRTCNATIVE_CACHE),
// keyed by the Debian source/package versions. Each phase's wall time is recorded and printed
// as one "CROSS TIMINGS:" line.
// Options: --no-cross (skip all of it), --cross-full (also the long loss tests under qemu/Wine).

var crossEnabled = IsRunningOnLinux() && !HasArgument("no-cross") &&
    System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64;
var crossFull = HasArgument("cross-full");
// Bootstrap installs the cross toolchains only for the targets that use them.
bool CrossWanted() => crossEnabled && new[] { "Test", "CrossTest", "NativeWin", "NativeArm64", "BenchWin" }.Contains(target);
// Properties, not fields: this file is loaded before build.cake's body, where repo is set.
string winBuildDir => $"{repo}/native/build-win-x64";
string winPrefix => $"{repo}/runtimes/win-x64/native";
string arm64BuildDir => $"{repo}/native/build-linux-arm64";
string arm64Prefix => $"{repo}/runtimes/linux-arm64/native";
var crossTimings = new List<string>();
// Under emulation the impaired-network tests (seconds of relay delays each, ×10–50 slower) add
// no code path the other tests miss; they run natively on linux-x64. Listed in README.
// The mDNS tests need multicast group membership on lo, which qemu-user's socket emulation does
// not provide (and the Windows build does not have the resolver: they are not built there).
// capi_cleanup counts the process's threads in /proc/self/task, where qemu-user shows a thread
// that ended a moment late (1 run in 3); it is not built for Windows (it reads /proc) and runs
// natively on linux-x64, under ASan and TSan too.
const string CrossSkippedTests = "capi_reliability_loss|test_mdns|capi_ice_mdns|capi_cleanup";   // loss: also _loss20
string crossArm64Sysroot = null;   // set by BuildNativeArm64, used by the package test's qemu run

T Timed<T>(string phase, Func<T> body)
{
    var sw = System.Diagnostics.Stopwatch.StartNew();
    try { return body(); }
    finally
    {
        crossTimings.Add($"{phase} {sw.Elapsed.TotalSeconds:0} s");
        Information("cross: {0} took {1:0} s", phase, sw.Elapsed.TotalSeconds);
    }
}
void Timed(string phase, Action body) => Timed<int>(phase, () => { body(); return 0; });

// Runs a script and returns the value of its closing "KEY=value" line.
string RunForValue(string script, string key)
{
    var lines = new List<string>();
    Run("bash", $"\"{repo}/{script}\"", capture: lines);
    var line = lines.LastOrDefault(l => l.StartsWith(key + "="));
    if (line == null) throw new Exception($"{script} printed no {key}=");
    return line.Substring(key.Length + 1);
}

// Sets environment variables for the child processes started inside body, then restores them.
T WithEnv<T>(Dictionary<string, string> env, Func<T> body)
{
    var saved = env.Keys.ToDictionary(k => k, k => Environment.GetEnvironmentVariable(k));
    foreach (var kv in env) Environment.SetEnvironmentVariable(kv.Key, kv.Value);
    try { return body(); }
    finally { foreach (var kv in saved) Environment.SetEnvironmentVariable(kv.Key, kv.Value); }
}

void BuildNativeWin()
{
    var deps = Timed("win-x64 deps", () => RunForValue("scripts/cross/build-win-deps.sh", "WEBRTCNATIVE_WIN_PREFIX"));
    Timed("win-x64 native build", () =>
    {
        if (!FileExists($"{winBuildDir}/CMakeCache.txt"))
            Run("cmake", $"-S \"{repo}/native\" -B \"{winBuildDir}\" -G Ninja -DCMAKE_BUILD_TYPE={nativeConfig} " +
                         $"-DCMAKE_TOOLCHAIN_FILE=\"{repo}/native/cmake/toolchain-mingw-x64.cmake\" -DWEBRTCNATIVE_WIN_PREFIX=\"{deps}\"");
        else
            Run("cmake", $"\"{winBuildDir}\" -DWEBRTCNATIVE_WIN_PREFIX=\"{deps}\"");
        Run("cmake", $"--build \"{winBuildDir}\" -j 2");
        Run("cmake", $"--install \"{winBuildDir}\" --prefix \"{winPrefix}\" --strip");
    });
}

void BuildNativeArm64()
{
    var sysroot = Timed("linux-arm64 sysroot", () => RunForValue("scripts/cross/build-arm64-sysroot.sh", "WEBRTCNATIVE_ARM64_SYSROOT"));
    crossArm64Sysroot = sysroot;
    Timed("linux-arm64 native build", () =>
    {
        if (!FileExists($"{arm64BuildDir}/CMakeCache.txt"))
            Run("cmake", $"-S \"{repo}/native\" -B \"{arm64BuildDir}\" -G Ninja -DCMAKE_BUILD_TYPE={nativeConfig} " +
                         $"-DCMAKE_TOOLCHAIN_FILE=\"{repo}/native/cmake/toolchain-linux-arm64.cmake\" -DWEBRTCNATIVE_ARM64_SYSROOT=\"{sysroot}\"");
        else
            Run("cmake", $"\"{arm64BuildDir}\" -DWEBRTCNATIVE_ARM64_SYSROOT=\"{sysroot}\"");
        Run("cmake", $"--build \"{arm64BuildDir}\" -j 2");
        Run("cmake", $"--install \"{arm64BuildDir}\" --prefix \"{arm64Prefix}\"");
    });
}

// Builds one cross asset; a failure is reported as a failed count instead of stopping Test.
Counts TryCrossBuild(string name, Action build)
{
    try { build(); return null; }
    catch (Exception e)
    {
        Error("{0} build failed: {1}", name, e.Message);
        return new Counts($"{name} build") { Failed = 1, Note = e.Message.Length > 120 ? e.Message.Substring(0, 120) : e.Message };
    }
}

// The native ctest suite of the win-x64 build under Wine: a fresh WINEPREFIX (created here,
// removed after), WINEPATH = the installed asset only, so the tests load the bundled DLLs.
Counts RunWineTests()
{
    var wineprefix = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"webrtcnative-wine-{Guid.NewGuid():N}");
    var env = new Dictionary<string, string> {
        ["WINEPREFIX"] = wineprefix, ["WINEPATH"] = winPrefix.Replace('/', '\\').Insert(0, "Z:"),
        ["WINEDEBUG"] = "-all", ["WINEDLLOVERRIDES"] = "mscoree,mshtml=" };
    try
    {
        return WithEnv(env, () =>
        {
            Timed("wine prefix", () => Run("bash", $"\"{repo}/scripts/cross/wine-run.sh\" wineboot --init", throwOnError: false));
            return Timed("win-x64 ctest (wine)", () => RunNativeTestsIn(winBuildDir, "win-x64 ctest wine",
                crossFull ? "" : $"-E \"{CrossSkippedTests}\""));
        });
    }
    finally
    {
        WithEnv(env, () => Run("/usr/lib/wine/wineserver", "-k", throwOnError: false));
        // rm, not DeleteDirectory: the prefix holds dosdevices/z: -> /, which must not be followed.
        Run("rm", $"-rf \"{wineprefix}\"", throwOnError: false);
    }
}

Counts RunQemuTests() => Timed("linux-arm64 ctest (qemu)", () =>
    RunNativeTestsIn(arm64BuildDir, "linux-arm64 ctest qemu", crossFull ? "" : $"-E \"{CrossSkippedTests}\""));

// tests/Net8Runner published self-contained for net8.0 and run: the managed suite on .NET 8.
Counts RunNet8Tests()
{
    var outDir = $"{artifacts}/net8-tests";
    try
    {
        Timed("net8.0 publish", () => Run("dotnet", $"publish \"{repo}/tests/Net8Runner\" -c {configuration} -r linux-x64 -o \"{outDir}\" -nologo"));
    }
    catch (Exception e)
    {
        return new Counts("net8.0") { Failed = 1, Note = "publish failed: " + e.Message };
    }
    return Timed("net8.0 tests", () => RunScriptLike("net8.0", $"{outDir}/WebRtcNative.Tests", ""));
}

// Runs an executable and reads its closing "<name>: N passed, M failed[, K skipped]" line.
Counts RunScriptLike(string name, string exe, string args)
{
    var c = new Counts(name);
    var output = new List<string>();
    var rc = Run(exe, args, throwOnError: false, capture: output);
    var m = output.Select(l => Regex.Match(l, @"^\S+: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")).LastOrDefault(x => x.Success);
    if (m != null)
    {
        c.Passed = int.Parse(m.Groups[1].Value); c.Failed = int.Parse(m.Groups[2].Value);
        if (m.Groups[3].Success) c.Skipped = int.Parse(m.Groups[3].Value);
    }
    foreach (var f in output.Select(l => Regex.Match(l, @"^\S+: FAIL (.*?):")).Where(x => x.Success))
        c.FailedNames.Add(f.Groups[1].Value);
    if (rc != 0 && c.Failed == 0) { c.Failed++; c.Note = $"{exe} exited with {rc}"; }
    return c;
}

// Builds both cross assets and runs their tests plus the net8.0 suite. Called by Test before Pack,
// so the package carries every RID built here.
List<Counts> RunCross()
{
    var all = new List<Counts>();
    if (!crossEnabled)
    {
        Information("cross: skipped (needs a Linux x64 host; --no-cross given?)");
        return all;
    }
    var total = System.Diagnostics.Stopwatch.StartNew();
    all.Add(RunNet8Tests());

    var winFailed = TryCrossBuild("win-x64", BuildNativeWin);
    if (winFailed != null) all.Add(winFailed);
    else
    {
        all.Add(RunScriptTest("win-x64 native deps", "tests/Packaging/check-native-deps-win.sh", $"\"{winPrefix}\""));
        all.Add(RunWineTests());
    }

    var armFailed = TryCrossBuild("linux-arm64", BuildNativeArm64);
    if (armFailed != null) all.Add(armFailed);
    else
    {
        all.Add(RunScriptTest("linux-arm64 native deps", "tests/Packaging/check-native-deps-elf.sh", $"\"{arm64Prefix}\" AArch64"));
        all.Add(RunQemuTests());
    }
    crossTimings.Add($"cross total {total.Elapsed.TotalSeconds:0} s");
    Console.WriteLine("CROSS TIMINGS: " + string.Join("; ", crossTimings));
    return all;
}

// After Pack: every RID in the nupkg checked, consumer publish for win-x64 and linux-arm64, the
// linux-arm64 publish run under qemu (tests/Packaging/check-package-rids.sh).
List<Counts> RunCrossPackagingTests()
{
    var all = new List<Counts>();
    if (!crossEnabled) return all;
    var env = new Dictionary<string, string> { ["WEBRTCNATIVE_ARM64_SYSROOT"] = crossArm64Sysroot ?? "" };
    all.Add(Timed("package RIDs + consumer publish", () => WithEnv(env, () =>
        RunScriptTest("package rids", "tests/Packaging/check-package-rids.sh", $"\"{packagesDir}\""))));
    Console.WriteLine("CROSS TIMINGS: " + string.Join("; ", crossTimings));
    return all;
}

Task("NativeWin")
    .Description("Cross-builds runtimes/win-x64/native with mingw-w64 (dependencies from Debian sources, cached).")
    .Does(() => BuildNativeWin());

Task("NativeArm64")
    .Description("Cross-builds runtimes/linux-arm64/native against a Debian arm64 sysroot (cached).")
    .Does(() => BuildNativeArm64());

Task("WineTest")
    .Description("Runs the win-x64 native tests under Wine (run NativeWin first).")
    .Does(() => PrintSummary(new List<Counts> { RunWineTests() }));

Task("QemuTest")
    .Description("Runs the linux-arm64 native tests under qemu (run NativeArm64 first).")
    .Does(() => PrintSummary(new List<Counts> { RunQemuTests() }));

Task("Net8Test")
    .Description("Publishes tests/Net8Runner self-contained for net8.0 and runs the managed suite on .NET 8.")
    .Does(() => PrintSummary(new List<Counts> { RunNet8Tests() }));

Task("CrossTest")
    .Description("Builds win-x64 and linux-arm64, runs their native tests under Wine/qemu, and the managed suite on net8.0.")
    .Does(() => PrintSummary(RunCross()));

// dc_bench (../shared/bench/dc_bench.c, or --dc-bench=<path>) built with mingw and run under
// Wine against runtimes/win-x64/native, every scenario. Figures, not pass/fail targets.
Task("BenchWin")
    .Description("Runs dc_bench.exe under Wine against the win-x64 asset (run NativeWin first).")
    .Does(() =>
{
    var src = Argument("dc-bench", $"{repo}/../shared/bench/dc_bench.c");
    Run("bash", $"\"{repo}/scripts/cross/win-bench.sh\" \"{src}\" \"{winPrefix}\"");
});
