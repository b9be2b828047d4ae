using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImageFormat.Tests.Registry;

/// <summary>What a <see cref="FaultProxy"/> does to the response of a <c>GET</c> of the target blob.</summary>
public enum Fault
{
    /// <summary>Closes the connection after <see cref="FaultProxy.Offset"/> response bytes, once.</summary>
    CutOnce,

    /// <summary>Flips the byte at <see cref="FaultProxy.Offset"/> of every such response.</summary>
    FlipEvery,
}

/// <summary>
/// A TCP proxy on a free loopback port in front of a registry. It watches the requests going through, and when one is a
/// <c>GET</c> of the target blob it applies its fault to the response bytes that follow on that connection.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly string _target;
    private readonly Fault _fault;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private int _cuts;
    private int _flips;

    public FaultProxy(int upstreamPort, string blobDigest, Fault fault, long offset)
    {
        _upstreamPort = upstreamPort;
        _target = "/blobs/" + blobDigest;
        _fault = fault;
        Offset = offset;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Host => "127.0.0.1:" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public long Offset { get; }

    public int Cuts => Volatile.Read(ref _cuts);

    public int Flips => Volatile.Read(ref _flips);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _accept.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (TcpClient upstream = new())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
                NetworkStream down = client.GetStream();
                NetworkStream up = upstream.GetStream();
                Connection state = new();
                Task requests = PumpRequestsAsync(down, up, state);
                Task responses = PumpResponsesAsync(up, down, state, client, upstream);
                await Task.WhenAny(requests, responses);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private sealed class Connection
    {
        public volatile bool Armed;
        public long Seen;
    }

    private async Task PumpRequestsAsync(NetworkStream from, NetworkStream to, Connection state)
    {
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            string text = Encoding.ASCII.GetString(buffer, 0, n);
            if (text.StartsWith("GET ", StringComparison.Ordinal) && text.Contains(_target, StringComparison.Ordinal))
            {
                state.Seen = 0;
                state.Armed = _fault == Fault.FlipEvery || Volatile.Read(ref _cuts) == 0;
            }

            await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
        }
    }

    private async Task PumpResponsesAsync(NetworkStream from, NetworkStream to, Connection state, TcpClient client, TcpClient upstream)
    {
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (state.Armed)
            {
                long start = state.Seen;
                state.Seen += n;
                if (start <= Offset && Offset < state.Seen)
                {
                    int at = (int)(Offset - start);
                    if (_fault == Fault.CutOnce)
                    {
                        await to.WriteAsync(buffer.AsMemory(0, at), _stop.Token);
                        await to.FlushAsync(_stop.Token);
                        Interlocked.Increment(ref _cuts);
                        state.Armed = false;
                        client.Client.Shutdown(SocketShutdown.Both);
                        upstream.Client.Shutdown(SocketShutdown.Both);
                        client.Close();
                        upstream.Close();
                        return;
                    }

                    buffer[at] ^= 0x01;
                    Interlocked.Increment(ref _flips);
                    state.Armed = false;
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
        }
    }
}
