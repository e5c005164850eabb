namespace WebRtcNative.Bindings.Tests;

/// <summary>
/// Calls the real native library (runtimes/linux-x64/native/libwebrtcnative.so, copied next to the tests by the
/// Bindings project, or $WEBRTCNATIVE_LIBRARY) through the raw bindings.
/// </summary>
public sealed unsafe class RawCallTests
{
    [Fact]
    public void CreateAndDeletePeerConnection()
    {
        fixed (byte* bind = "127.0.0.1"u8)
        {
            rtcConfiguration config = default;
            config.bindAddress = bind;
            int pc = RtcNative.rtcCreatePeerConnection(&config);
            Assert.True(pc > 0, $"rtcCreatePeerConnection returned {pc}");
            try
            {
                Assert.Equal(RtcNative.RTC_ERR_SUCCESS, RtcNative.rtcDeletePeerConnection(pc));
            }
            catch
            {
                RtcNative.rtcDeletePeerConnection(pc);
                throw;
            }
            // deleted: the id is unknown now
            Assert.Equal(RtcNative.RTC_ERR_INVALID, RtcNative.rtcDeletePeerConnection(pc));
        }
        Assert.NotNull(RtcNativeLibrary.LoadedPath);
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(999999)]
    public void DeleteUnknownPeerConnectionIsInvalid(int id)
    {
        Assert.Equal(RtcNative.RTC_ERR_INVALID, RtcNative.rtcDeletePeerConnection(id));
    }

    [Fact]
    public void StringGetterWithNullBufferOnUnknownIdIsInvalid()
    {
        Assert.Equal(RtcNative.RTC_ERR_INVALID, RtcNative.rtcGetLocalDescription(999999, null, 0));
        Assert.Equal(RtcNative.RTC_ERR_INVALID, RtcNative.rtcGetDataChannelLabel(999999, null, 0));
    }

    [Fact]
    public void StringOverloadAndBoolReturnReachTheLibrary()
    {
        Assert.Equal(RtcNative.RTC_ERR_INVALID, RtcNative.rtcCreateDataChannel(999999, "label"));
        Assert.False(RtcNative.rtcIsOpen(999999));
    }

    [Fact]
    public void PathCannotChangeOnceLoaded()
    {
        RtcNative.rtcDeletePeerConnection(999999); // loads the library
        Assert.True(RtcNativeLibrary.IsLoaded);
        string? loaded = RtcNativeLibrary.LoadedPath;
        Assert.False(string.IsNullOrEmpty(loaded));
        Assert.Throws<InvalidOperationException>(() => RtcNativeLibrary.Path = "/nonexistent/libwebrtcnative.so");
        if (Environment.GetEnvironmentVariable(RtcNativeLibrary.EnvironmentVariable) is null or "")
            Assert.Equal(Path.Combine(AppContext.BaseDirectory, "runtimes", CurrentRid(), "native", NativeFileName()), loaded);
    }

    // The RID folder and file name the loader probes first on this machine.
    private static string CurrentRid() =>
        (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
        System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    private static string NativeFileName() =>
        OperatingSystem.IsWindows() ? "libwebrtcnative.dll" : OperatingSystem.IsMacOS() ? "libwebrtcnative.dylib" : "libwebrtcnative.so";
}
