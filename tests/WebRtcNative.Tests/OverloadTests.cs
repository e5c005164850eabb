namespace WebRtcNative.Tests;

/// <summary>Godot's dictionary forms and the typed forms live side by side; a null argument is not ambiguous (CS0121).</summary>
public class OverloadTests
{
    [Fact]
    public void NullArguments_BindToTheTypedForms_AndDictionariesStillWork()
    {
        using var pc = new WebRtcPeerConnection();
        Assert.Equal(Error.Ok, pc.Initialize(null));                       // defaults
        var ch = pc.CreateDataChannel("x", null);                           // reliable, ordered, in-band
        Assert.NotNull(ch);
        Assert.Equal((true, false), (ch!.Ordered, ch.Negotiated));

        Assert.Equal(Error.Ok, pc.Initialize(new Dictionary<string, object?> { ["bindAddress"] = "127.0.0.1" }));
        IDictionary<string, object?> options = new Dictionary<string, object?> { ["negotiated"] = true, ["id"] = 3, ["ordered"] = false };
        var d = pc.CreateDataChannel("d", options);
        Assert.NotNull(d);
        Assert.Equal((3, false, true), (d!.Id, d.Ordered, d.Negotiated));
        Assert.Null(pc.CreateDataChannel("bad", new Dictionary<string, object?> { ["id"] = "three" }));
        Assert.Equal(Error.InvalidParameter, pc.Initialize((IDictionary<string, object?>)null!));
    }
}
