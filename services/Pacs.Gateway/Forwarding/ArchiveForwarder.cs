using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Pacs.Gateway.Archive;
using Pacs.Gateway.Spool;

namespace Pacs.Gateway.Forwarding;

/// <summary>
/// Sends the spool's archive queue to the archive (<see cref="IArchiveUploader"/>), oldest first, in batches, several
/// requests at once. A spooled file is removed only after the archive confirmed its object; one the archive refuses for
/// good goes to the quarantine with the reason; when the archive is unreachable the batch is retried with exponential
/// backoff behind a circuit breaker (Polly), for as long as it takes. Starting again after a stop or a crash resumes
/// from whatever the folder holds.
/// </summary>
public sealed class ArchiveForwarder : BackgroundService
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(30);
    private readonly GatewaySpool _spool;
    private readonly IArchiveUploader _uploader;
    private readonly GatewayForwardingOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private readonly Dictionary<long, int> _attempts = [];
    private readonly Lock _attemptsGate = new();
    private long _delivered;
    private long _quarantined;
    private long _failedRequests;
    private long _yieldingSince;

    public ArchiveForwarder(GatewayOptions options, GatewaySpool spool, IArchiveUploader uploader, ILogger<ArchiveForwarder>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spool);
        ArgumentNullException.ThrowIfNull(uploader);
        _spool = spool;
        _uploader = uploader;
        _options = options.Forwarding;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _pipeline = BuildPipeline(_options, _logger, () => Interlocked.Increment(ref _failedRequests));
    }

    /// <summary>Told after objects were confirmed by the archive (storage commitment looks again then).</summary>
    public event Action? Delivered;

    /// <summary>Objects the archive confirmed since start.</summary>
    public long DeliveredCount => Interlocked.Read(ref _delivered);

    /// <summary>Objects quarantined since start.</summary>
    public long QuarantinedCount => Interlocked.Read(ref _quarantined);

    /// <summary>Requests to the archive that failed as a whole (archive unreachable) since start.</summary>
    public long FailedRequests => Interlocked.Read(ref _failedRequests);

    /// <summary>
    /// Retry forever with exponential backoff and jitter (capped), around a circuit breaker that stops calling an
    /// archive which keeps failing for <see cref="GatewayForwardingOptions.BreakDuration"/>, around a timeout per request.
    /// Only failures of the request as a whole pass through here; per-object verdicts come back as results.
    /// </summary>
    internal static ResiliencePipeline BuildPipeline(GatewayForwardingOptions options, ILogger logger, Action onFailure)
    {
        var transient = new PredicateBuilder().Handle<ArchiveUnavailableException>().Handle<HttpRequestException>().Handle<IOException>()
            .Handle<TimeoutRejectedException>().Handle<BrokenCircuitException>()
            .Handle<TaskCanceledException>();
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                OnRetry = args =>
                {
                    onFailure();
                    var level = args.AttemptNumber is 0 or 10 or 100 || args.AttemptNumber % 1000 == 0 ? LogLevel.Warning : LogLevel.Debug;
                    logger.Log(level, "The archive is not reachable ({Reason}); attempt {Attempt}, next in {Delay}", args.Outcome.Exception?.Message, args.AttemptNumber + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ArchiveUnavailableException>().Handle<HttpRequestException>().Handle<IOException>()
                    .Handle<TimeoutRejectedException>().Handle<TaskCanceledException>(),
                FailureRatio = 0.5,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(2, options.BreakDuration.TotalSeconds)),
                BreakDuration = options.BreakDuration < TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500) : options.BreakDuration,
                OnOpened = args =>
                {
                    logger.LogWarning("Archive circuit open for {Duration}: no request until then", args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    logger.LogInformation("Archive circuit closed: the archive answers again");
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.RequestTimeout)
            .Build();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        var parallelism = Math.Max(1, _options.Parallelism);
        // At most one wait for new work is outstanding, kept until it completes: a wait left behind when a request
        // finished first would still take the spool's next signal, and the wait after it would then sleep the whole
        // idle poll (30 s) with an object in the spool.
        Task? wake = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (YieldDelay(Environment.TickCount64, _spool.LastCommitTick) is { } pause)
            {
                // Objects are arriving: start nothing new until they pause (or for MaxYield at most), let running requests finish.
                try
                {
                    await (running.Count == 0 ? Task.Delay(pause, stoppingToken) : Task.WhenAny(Task.WhenAny(running), Task.Delay(pause, stoppingToken))).ConfigureAwait(false);
                    running.RemoveAll(t => t.IsCompleted);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }

                continue;
            }

            while (running.Count < parallelism)
            {
                var batch = _spool.Archive.TakeBatch(_options.BatchSize, _options.BatchBytes);
                if (batch.Count == 0)
                {
                    break;
                }

                running.Add(SendAsync(batch, stoppingToken));
            }

            try
            {
                if (running.Count == 0)
                {
                    await (wake ??= _spool.Archive.WaitForWorkAsync(IdlePoll, stoppingToken)).ConfigureAwait(false);
                    wake = null;
                    continue;
                }

                // Wake when a request finishes, or when new work arrives and a slot is free.
                if (running.Count < parallelism)
                {
                    wake ??= _spool.Archive.WaitForWorkAsync(IdlePoll, stoppingToken);
                    await Task.WhenAny([.. running, wake]).ConfigureAwait(false);
                    if (wake.IsCompleted)
                    {
                        await wake.ConfigureAwait(false); // surfaces the stop's cancellation
                        wake = null;
                    }
                }
                else
                {
                    await Task.WhenAny(running).ConfigureAwait(false);
                }

                running.RemoveAll(t => t.IsCompleted);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: what was not confirmed stays in the folder for the next start.
        }
    }

    private async Task SendAsync(IReadOnlyList<SpoolEntry> batch, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            var items = batch.Select(e => new ArchiveUploadItem(e.Path, e.SopInstanceUid, e.Length)).ToList();
            var results = await _pipeline.ExecuteAsync(async ct => await _uploader.UploadAsync(items, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            if (results.Count != batch.Count)
            {
                throw new InvalidOperationException($"The archive uploader answered {results.Count} results for {batch.Count} objects.");
            }

            var delivered = 0;
            var retry = new List<SpoolEntry>();
            var maxAttempts = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                var entry = batch[i];
                var result = results[i];
                switch (result.Status)
                {
                    case ArchiveUploadStatus.Stored:
                        _spool.Archive.Complete(entry);
                        Forget(entry);
                        delivered++;
                        break;
                    case ArchiveUploadStatus.PermanentFailure:
                        Quarantine(entry, result, Attempt(entry));
                        break;
                    default:
                        var attempts = Attempt(entry);
                        if (attempts >= _options.MaxAttemptsPerObject)
                        {
                            Quarantine(entry, result with { Description = $"{result.Description} (still refused after {attempts} attempts)" }, attempts);
                        }
                        else
                        {
                            _logger.LogWarning("The archive refused {SopInstanceUid} for now ({Reason}); attempt {Attempt} of {Max}", entry.SopInstanceUid, result.Description, attempts, _options.MaxAttemptsPerObject);
                            retry.Add(entry);
                            maxAttempts = Math.Max(maxAttempts, attempts);
                        }

                        break;
                }
            }

            if (delivered > 0)
            {
                Interlocked.Add(ref _delivered, delivered);
                Delivered?.Invoke();
            }

            if (retry.Count > 0)
            {
                // Refused for now: wait (this request slot only) before the objects are offered again.
                try
                {
                    await Task.Delay(Backoff(maxAttempts), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    retry.ForEach(_spool.Archive.Return);
                }
            }
        }
        catch (Exception e)
        {
            // Stopping, or something unexpected (a spool file gone, a bug): nothing is concluded; the entries go back.
            if (e is not OperationCanceledException)
            {
                _logger.LogError(e, "Forwarding a batch of {Count} objects failed", batch.Count);
                await Task.Delay(_options.RetryDelay, CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var entry in batch)
            {
                if (File.Exists(entry.Path))
                {
                    _spool.Archive.Return(entry);
                }
            }

            if (e is OperationCanceledException)
            {
                throw;
            }
        }
    }

    /// <summary>
    /// How long to hold back before the next request because objects are arriving (<see cref="GatewayForwardingOptions.YieldToIncoming"/>),
    /// or null to go ahead: nothing arrived lately, or the current stream of arrivals has been yielded to for
    /// <see cref="GatewayForwardingOptions.MaxYield"/> already.
    /// </summary>
    /// <param name="now">The time now (<see cref="Environment.TickCount64"/>).</param>
    /// <param name="last">When the spool last committed an object (<see cref="GatewaySpool.LastCommitTick"/>; 0 never).</param>
    internal TimeSpan? YieldDelay(long now, long last)
    {
        var window = (long)_options.YieldToIncoming.TotalMilliseconds;
        if (window <= 0 || last == 0 || now - last >= window)
        {
            _yieldingSince = 0;
            return null;
        }

        if (_yieldingSince == 0)
        {
            _yieldingSince = now;
        }

        return now - _yieldingSince >= (long)_options.MaxYield.TotalMilliseconds ? null : TimeSpan.FromMilliseconds(Math.Max(10, window - (now - last)));
    }

    private void Quarantine(SpoolEntry entry, ArchiveUploadResult result, int attempts)
    {
        _logger.LogError("The archive refused {SopInstanceUid} for good (reason {Reason}: {Description}); moved to {Folder}",
            entry.SopInstanceUid, result.FailureReason is { } r ? $"{r:X4}H" : "none", result.Description, _spool.Archive.QuarantineFolder);
        _spool.Archive.Quarantine(entry, result.FailureReason, result.Description ?? "refused by the archive", attempts);
        Forget(entry);
        Interlocked.Increment(ref _quarantined);
        Delivered?.Invoke();
    }

    private TimeSpan Backoff(int attempts) =>
        TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, _options.RetryDelay.Ticks * (1L << Math.Min(attempts, 20))));

    private int Attempt(SpoolEntry entry)
    {
        lock (_attemptsGate)
        {
            var attempts = _attempts.GetValueOrDefault(entry.Sequence) + 1;
            _attempts[entry.Sequence] = attempts;
            return attempts;
        }
    }

    private void Forget(SpoolEntry entry)
    {
        lock (_attemptsGate)
        {
            _attempts.Remove(entry.Sequence);
        }
    }
}
