using System.Diagnostics;
using System.Globalization;
using Pacs.Dicom;

namespace Pacs.Archive.Bench;

/// <summary>
/// QIDO-RS query latency over an index of studies × 5 series × 10 instances (100,000 instances for 2,000 studies),
/// filled directly with rows (no blobs: queries never read them). Prints p50 and p99 per query kind.
/// </summary>
internal static class QueryBench
{
    private static readonly string[] Families = ["Smith", "Johnson", "Garcia", "Miller", "Davis", "Muller", "Rossi", "Nguyen", "Kowalski", "Jansen"];
    private static readonly string[] Modalities = ["CT", "MR", "US", "CR", "PT"];

    public static async Task RunAsync(string name, ArchiveDatabase database, int studies)
    {
        await FillAsync(database, studies);
        var query = new QueryService(database, new ArchiveOptions());
        string someStudy = Uid(1, studies / 2);
        var cases = new (string Name, QidoQuery Query)[]
        {
            ("studies, no filter, limit 100", new QidoQuery { Level = QueryLevel.Study }),
            ("studies by PatientID", new QidoQuery { Conditions = [MatchCondition.Parse(DicomTag.PatientID, "P000123")] }),
            ("studies by PatientName prefix", new QidoQuery { Conditions = [MatchCondition.Parse(DicomTag.PatientName, "Rossi^G*")] }),
            ("studies by fuzzy name", new QidoQuery { Conditions = [MatchCondition.Parse(DicomTag.PatientName, "kowal")], FuzzyMatching = true }),
            // A given name of 1 patient in 182: the page never fills, so every candidate is looked at.
            ("studies by fuzzy name, rare", new QidoQuery { Conditions = [MatchCondition.Parse(DicomTag.PatientName, "a0na")], FuzzyMatching = true }),
            ("studies by date range + modality", new QidoQuery { Conditions = [MatchCondition.Parse(DicomTag.StudyDate, "20200101-20200131"), MatchCondition.Parse(DicomTag.ModalitiesInStudy, "MR")] }),
            ("studies by accession", new QidoQuery { Conditions = [MatchCondition.Parse(DicomTag.AccessionNumber, "A00001234")] }),
            ("series of a study", new QidoQuery { Level = QueryLevel.Series, StudyInstanceUid = someStudy }),
            ("instances of a study", new QidoQuery { Level = QueryLevel.Instance, StudyInstanceUid = someStudy }),
            ("instances of a series", new QidoQuery { Level = QueryLevel.Instance, StudyInstanceUid = someStudy, SeriesInstanceUid = Uid(2, studies / 2, 3) }),
            ("instance by SOPInstanceUID", new QidoQuery
            {
                Level = QueryLevel.Instance, Conditions = [MatchCondition.Parse(DicomTag.SOPInstanceUID, Uid(3, studies / 3, 2, 7))],
            }),
            ("studies, offset 1500", new QidoQuery { Offset = 1500 }),
        };
        Console.WriteLine($"{name}: {studies} studies, {studies * 50} instances");
        foreach (var (label, q) in cases)
        {
            for (int i = 0; i < 5; i++)
                await query.QueryAsync(q);
            var times = new List<double>();
            for (int i = 0; i < 100; i++)
            {
                var clock = Stopwatch.StartNew();
                var result = await query.QueryAsync(q);
                times.Add(clock.Elapsed.TotalMilliseconds);
                if (i == 0 && result.Matches.Count == 0)
                    Console.WriteLine($"  (no match for {label})");
            }
            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-36} p50 {times[49],6:F1} ms  p99 {times[98],6:F1} ms"));
        }
    }

    private static string Uid(int kind, int study, int series = 0, int instance = 0) =>
        string.Create(CultureInfo.InvariantCulture, $"1.2.826.0.1.3680043.10.543.{kind}.{study}.{series}.{instance}");

    private static async Task FillAsync(ArchiveDatabase database, int studies)
    {
        var now = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        for (int first = 0; first < studies; first += 200)
        {
            await using var db = database.CreateContext();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (int s = first; s < Math.Min(studies, first + 200); s++)
            {
                var ds = new DicomDataset();
                ds.Set(DicomTag.SpecificCharacterSet, "ISO_IR 192");
                string patientName = $"{Families[s % Families.Length]}^{(char)('A' + s % 26)}{s % 7}name";
                ds.Set(DicomTag.PatientName, patientName);
                ds.Set(DicomTag.PatientID, $"P{s / 2:D6}");
                string date = new DateTime(2018, 1, 1).AddDays(s % 2000).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
                ds.Set(DicomTag.StudyDate, date);
                ds.Set(DicomTag.StudyTime, "101010");
                ds.Set(DicomTag.AccessionNumber, $"A{s:D8}");
                ds.Set(DicomTag.StudyInstanceUID, Uid(1, s));
                var patient = new PatientRow
                {
                    PatientKey = $"id:\\P{s:D6}", PatientId = $"P{s / 2:D6}", PatientName = patientName,
                    PatientNameFuzzy = PersonNameMatching.Normalize(patientName), Attributes = LevelAttributes.Encode(ds, LevelAttributes.Patient), CreatedAt = now,
                };
                var study = new StudyRow
                {
                    StudyInstanceUid = Uid(1, s), Patient = patient, StudyDate = date, StudyTime = "101010.000000", StudyDateTime = date + "101010.000000",
                    AccessionNumber = $"A{s:D8}", Attributes = LevelAttributes.Encode(ds, LevelAttributes.Study), CreatedAt = now,
                };
                for (int se = 0; se < 5; se++)
                {
                    ds.Set(DicomTag.Modality, Modalities[(s + se) % Modalities.Length]);
                    ds.Set(DicomTag.SeriesInstanceUID, Uid(2, s, se));
                    ds.Set(DicomTag.SeriesNumber, (se + 1).ToString(CultureInfo.InvariantCulture));
                    var series = new SeriesRow
                    {
                        SeriesInstanceUid = Uid(2, s, se), Study = study, Modality = Modalities[(s + se) % Modalities.Length], SeriesNumber = se + 1,
                        Attributes = LevelAttributes.Encode(ds, LevelAttributes.Series), CreatedAt = now,
                    };
                    for (int i = 0; i < 10; i++)
                    {
                        ds.Set(DicomTag.SOPInstanceUID, Uid(3, s, se, i));
                        ds.Set(DicomTag.InstanceNumber, (i + 1).ToString(CultureInfo.InvariantCulture));
                        db.Instances.Add(new InstanceRow
                        {
                            SopInstanceUid = Uid(3, s, se, i), Version = 1, Status = InstanceStatus.Created, Series = series, Study = study,
                            SopClassUid = "1.2.840.10008.5.1.4.1.1.2", InstanceNumber = i + 1, TransferSyntaxUid = "1.2.840.10008.1.2.1",
                            Sha256 = new byte[32], SizeBytes = 1, BlobName = $"instances/{Uid(3, s, se, i)}/x", Attributes = LevelAttributes.Encode(ds, LevelAttributes.Instance),
                            CreatedAt = now, UpdatedAt = now,
                        });
                    }
                }
            }
            await db.SaveChangesAsync();
        }
        if (database.IsPostgres)
        {
            // Autovacuum would do this within a minute; a benchmark should not measure plans made without statistics.
            await using var db = database.CreateContext();
            await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync(db.Database, "ANALYZE");
        }
        Console.WriteLine($"filled in {clock.Elapsed.TotalSeconds:F0} s");
    }
}
