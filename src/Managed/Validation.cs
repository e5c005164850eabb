using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Text;

namespace WebRtcNative;

/// <summary>Argument checks and the Godot-dictionary forms of the configuration and channel options.</summary>
internal static class Validation
{
    internal const int MaxStreamId = 65534;
    internal const int Unset = 65535;

    internal static Error CheckConfiguration(WebRtcConfiguration c, out string reason)
    {
        reason = string.Empty;
        if (c.IceServers is not null)
        {
            foreach (var server in c.IceServers)
            {
                if (server is null)
                    return Bad("iceServers contains a null entry", out reason);
                if (server.Urls is null || server.Urls.Length == 0)
                    return Bad("an ICE server has no URL", out reason);
                foreach (var url in server.Urls)
                {
                    if (string.IsNullOrWhiteSpace(url))
                        return Bad("an ICE server URL is empty", out reason);
                    string scheme = SchemeOf(url);
                    if (scheme is not ("stun" or "stuns" or "turn" or "turns"))
                        return Bad($"ICE server URL '{url}' must start with stun:, stuns:, turn: or turns:", out reason);
                    if (url.Length <= scheme.Length + 1)
                        return Bad($"ICE server URL '{url}' has no host", out reason);
                }
            }
        }
        if (c.IceTransportPolicy is not (IceTransportPolicy.All or IceTransportPolicy.Relay))
            return Bad($"iceTransportPolicy {(int)c.IceTransportPolicy} is not All or Relay", out reason);
        if (!string.IsNullOrEmpty(c.BindAddress) && !IPAddress.TryParse(c.BindAddress, out _))
            return Bad($"bindAddress '{c.BindAddress}' is not an IP address", out reason);
        if (c.PortRangeEnd != 0 && c.PortRangeBegin > c.PortRangeEnd)
            return Bad($"portRangeBegin {c.PortRangeBegin} is above portRangeEnd {c.PortRangeEnd}", out reason);
        if (c.Mtu != 0 && (c.Mtu < 576 || c.Mtu > 65535))
            return Bad($"mtu {c.Mtu} must be 0 (automatic) or 576 to 65535", out reason);
        if (c.MaxMessageSize < 0)
            return Bad($"maxMessageSize {c.MaxMessageSize} is negative", out reason);
        if (c.ReceiveQueueMaxPackets <= 0)
            return Bad($"receiveQueueMaxPackets {c.ReceiveQueueMaxPackets} must be positive", out reason);
        if (c.ReceiveQueueMaxBytes <= 0)
            return Bad($"receiveQueueMaxBytes {c.ReceiveQueueMaxBytes} must be positive", out reason);
        return Error.Ok;
    }

    internal static Error CheckChannel(string? label, DataChannelOptions o, out string reason)
    {
        reason = string.Empty;
        if (label is null)
            return Bad("label is null", out reason);
        if (Encoding.UTF8.GetByteCount(label) > 65535)
            return Bad("label is longer than 65535 bytes", out reason);
        if (label.IndexOf('\0') >= 0)
            return Bad("label contains a NUL character", out reason);
        if (o.Protocol is not null && (Encoding.UTF8.GetByteCount(o.Protocol) > 65535 || o.Protocol.IndexOf('\0') >= 0))
            return Bad("protocol is longer than 65535 bytes or contains NUL", out reason);
        if (o.MaxRetransmits.HasValue && o.MaxPacketLifeTime.HasValue)
            return Bad("maxRetransmits and maxPacketLifeTime are both set; at most one is allowed", out reason);
        if (o.MaxRetransmits is < 0 or > 65535)
            return Bad($"maxRetransmits {o.MaxRetransmits} is outside 0..65535", out reason);
        if (o.MaxPacketLifeTime is < 0 or > 65535)
            return Bad($"maxPacketLifeTime {o.MaxPacketLifeTime} is outside 0..65535", out reason);
        if (o.Negotiated && !o.Id.HasValue)
            return Bad("a negotiated channel needs an id", out reason);
        if (!o.Negotiated && o.Id.HasValue)
            return Bad("id is only allowed together with negotiated: true", out reason);
        if (o.Id is < 0 or > MaxStreamId)
            return Bad($"id {o.Id} is outside 0..{MaxStreamId}", out reason);
        return Error.Ok;
    }

    internal static Error CheckDescriptionType(string? type, out string reason)
    {
        reason = string.Empty;
        if (type is null)
            return Bad("type is null", out reason);
        if (type is not ("offer" or "answer" or "pranswer" or "rollback"))
            return Bad($"type '{type}' is not \"offer\", \"answer\", \"pranswer\" or \"rollback\"", out reason);
        return Error.Ok;
    }

    internal static Error CheckSdp(string? sdp, out string reason)
    {
        reason = string.Empty;
        if (sdp is null)
            return Bad("sdp is null", out reason);
        var s = sdp.AsSpan().TrimStart();
        if (s.IsEmpty)
            return Bad("sdp is empty", out reason);
        if (!s.StartsWith("v=0".AsSpan(), StringComparison.Ordinal))
            return Bad("sdp does not start with \"v=0\"", out reason);
        if (sdp.IndexOf('\0') >= 0)
            return Bad("sdp contains a NUL character", out reason);
        return Error.Ok;
    }

    private static string SchemeOf(string url)
    {
        int colon = url.IndexOf(':');
        return colon <= 0 ? string.Empty : url.Substring(0, colon).Trim().ToLowerInvariant();
    }

    /// <summary>Builds the native ICE server URL, with TURN credentials folded in as <c>turn:user:pass@host</c>.</summary>
    internal static string NativeIceUrl(string url, string? username, string? credential)
    {
        url = url.Trim();
        string scheme = SchemeOf(url);
        if (scheme is not ("turn" or "turns") || string.IsNullOrEmpty(username))
            return url;
        string rest = url.Substring(scheme.Length + 1);
        if (rest.StartsWith("//", StringComparison.Ordinal))
            rest = rest.Substring(2);
        if (rest.Contains('@'))
            return url; // credentials already in the URL
        string user = Uri.EscapeDataString(username!);
        string pass = Uri.EscapeDataString(credential ?? string.Empty);
        return $"{scheme}:{user}:{pass}@{rest}";
    }

    private static Error Bad(string message, out string reason)
    {
        reason = message;
        return Error.InvalidParameter;
    }

    // ---- Godot dictionaries ----------------------------------------------------------------

    internal static Error ParseConfiguration(IDictionary<string, object?>? d, out WebRtcConfiguration config, out string reason)
    {
        config = new WebRtcConfiguration();
        reason = string.Empty;
        if (d is null)
            return Bad("configuration dictionary is null", out reason);
        foreach (var pair in d)
        {
            object? v = pair.Value;
            switch (pair.Key)
            {
                case "iceServers":
                    if (v is null)
                        break;
                    if (v is not IEnumerable list || v is string)
                        return Bad("iceServers must be a list of dictionaries", out reason);
                    foreach (var entry in list)
                    {
                        if (entry is not IDictionary<string, object?> server)
                            return Bad("each iceServers entry must be a dictionary with \"urls\"", out reason);
                        var ice = new IceServer();
                        foreach (var sp in server)
                        {
                            switch (sp.Key)
                            {
                                case "urls":
                                case "url":
                                    if (!TryStrings(sp.Value, out var urls))
                                        return Bad("iceServers[].urls must be a string or a list of strings", out reason);
                                    ice.Urls = urls;
                                    break;
                                case "username":
                                    if (sp.Value is not (null or string))
                                        return Bad("iceServers[].username must be a string", out reason);
                                    ice.Username = (string?)sp.Value;
                                    break;
                                case "credential":
                                    if (sp.Value is not (null or string))
                                        return Bad("iceServers[].credential must be a string", out reason);
                                    ice.Credential = (string?)sp.Value;
                                    break;
                                default:
                                    Unknown("iceServers[]." + sp.Key);
                                    break;
                            }
                        }
                        config.IceServers.Add(ice);
                    }
                    break;
                case "iceTransportPolicy":
                    if (v is string policy && string.Equals(policy, "all", StringComparison.OrdinalIgnoreCase))
                        config.IceTransportPolicy = IceTransportPolicy.All;
                    else if (v is string policy2 && string.Equals(policy2, "relay", StringComparison.OrdinalIgnoreCase))
                        config.IceTransportPolicy = IceTransportPolicy.Relay;
                    else if (v is IceTransportPolicy p)
                        config.IceTransportPolicy = p;
                    else
                        return Bad("iceTransportPolicy must be \"all\" or \"relay\"", out reason);
                    break;
                case "bindAddress":
                    if (v is not (null or string))
                        return Bad("bindAddress must be a string", out reason);
                    config.BindAddress = (string?)v;
                    break;
                case "portRangeBegin":
                case "portRangeEnd":
                    if (!TryInteger(v, out long port) || port < 0 || port > 65535)
                        return Bad($"{pair.Key} must be an integer 0..65535", out reason);
                    if (pair.Key == "portRangeBegin")
                        config.PortRangeBegin = (ushort)port;
                    else
                        config.PortRangeEnd = (ushort)port;
                    break;
                case "enableIceTcp":
                    if (!TryBool(v, out bool tcp))
                        return Bad("enableIceTcp must be a bool", out reason);
                    config.EnableIceTcp = tcp;
                    break;
                case "mtu":
                    if (!TryInteger(v, out long mtu) || mtu < int.MinValue || mtu > int.MaxValue)
                        return Bad("mtu must be an integer", out reason);
                    config.Mtu = (int)mtu;
                    break;
                case "maxMessageSize":
                    if (!TryInteger(v, out long mms) || mms < int.MinValue || mms > int.MaxValue)
                        return Bad("maxMessageSize must be an integer", out reason);
                    config.MaxMessageSize = (int)mms;
                    break;
                case "receiveQueueMaxPackets":
                    if (!TryInteger(v, out long rqp) || rqp < int.MinValue || rqp > int.MaxValue)
                        return Bad("receiveQueueMaxPackets must be an integer", out reason);
                    config.ReceiveQueueMaxPackets = (int)rqp;
                    break;
                case "receiveQueueMaxBytes":
                    if (!TryInteger(v, out long rqb))
                        return Bad("receiveQueueMaxBytes must be an integer", out reason);
                    config.ReceiveQueueMaxBytes = rqb;
                    break;
                default:
                    Unknown(pair.Key);
                    break;
            }
        }
        return Error.Ok;
    }

    internal static Error ParseChannelOptions(IDictionary<string, object?>? d, out DataChannelOptions options, out string reason)
    {
        options = new DataChannelOptions();
        reason = string.Empty;
        if (d is null)
            return Bad("options dictionary is null", out reason);
        foreach (var pair in d)
        {
            object? v = pair.Value;
            switch (pair.Key)
            {
                case "negotiated":
                    if (!TryBool(v, out bool negotiated))
                        return Bad("negotiated must be a bool", out reason);
                    options.Negotiated = negotiated;
                    break;
                case "ordered":
                    if (!TryBool(v, out bool ordered))
                        return Bad("ordered must be a bool", out reason);
                    options.Ordered = ordered;
                    break;
                case "protocol":
                    if (v is not (null or string))
                        return Bad("protocol must be a string", out reason);
                    options.Protocol = (string?)v;
                    break;
                case "id":
                case "maxRetransmits":
                case "maxPacketLifeTime":
                case "maxPacketLifetime": // Godot's WebRTCMultiplayerPeer spelling
                    if (!TryInteger(v, out long n))
                        return Bad($"{pair.Key} must be an integer", out reason);
                    if (n < -1 || n > int.MaxValue)
                        return Bad($"{pair.Key} {n} is out of range", out reason);
                    int? value = n == -1 ? null : (int)n; // -1: unset, as in Godot
                    if (pair.Key == "id")
                        options.Id = value;
                    else if (pair.Key == "maxRetransmits")
                        options.MaxRetransmits = value;
                    else if (value.HasValue && options.MaxPacketLifeTime.HasValue && options.MaxPacketLifeTime != value)
                        return Bad("maxPacketLifeTime and maxPacketLifetime disagree", out reason);
                    else if (value.HasValue)
                        options.MaxPacketLifeTime = value;
                    break;
                default:
                    Unknown(pair.Key);
                    break;
            }
        }
        return Error.Ok;
    }

    private static void Unknown(string key)
    {
        if (WebRtcLog.IsEnabled(WebRtcLogLevel.Warning))
            WebRtcLog.Write(WebRtcLogLevel.Warning, $"ignoring unknown option key '{key}'");
    }

    private static bool TryStrings(object? v, out string[] result)
    {
        result = Array.Empty<string>();
        if (v is string s)
        {
            result = new[] { s };
            return true;
        }
        if (v is not IEnumerable e)
            return false;
        var list = new List<string>();
        foreach (var item in e)
        {
            if (item is not string str)
                return false;
            list.Add(str);
        }
        result = list.ToArray();
        return true;
    }

    internal static bool TryInteger(object? v, out long n)
    {
        switch (v)
        {
            case int i: n = i; return true;
            case long l: n = l; return true;
            case short s: n = s; return true;
            case ushort us: n = us; return true;
            case byte b: n = b; return true;
            case sbyte sb: n = sb; return true;
            case uint ui: n = ui; return true;
            case ulong ul when ul <= long.MaxValue: n = (long)ul; return true;
            case double d when d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue: n = (long)d; return true;
            case float f when f == Math.Floor(f) && f >= long.MinValue && f <= long.MaxValue: n = (long)f; return true;
            case decimal m when m == decimal.Floor(m) && m >= long.MinValue && m <= long.MaxValue: n = (long)m; return true;
            default: n = 0; return false;
        }
    }

    private static bool TryBool(object? v, out bool b)
    {
        switch (v)
        {
            case bool x: b = x; return true;
            default:
                if (TryInteger(v, out long n) && (n == 0 || n == 1))
                {
                    b = n == 1;
                    return true;
                }
                b = false;
                return false;
        }
    }

    internal static string Invariant(long n) => n.ToString(CultureInfo.InvariantCulture);
}
