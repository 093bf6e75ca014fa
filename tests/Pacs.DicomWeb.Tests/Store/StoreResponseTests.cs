using System.Text;
using Microsoft.AspNetCore.Http;
using Pacs.Dicom;
using Pacs.DicomWeb.Negotiation;
using Pacs.DicomWeb.Store;

namespace Pacs.DicomWeb.Tests.Store;

public class StoreResponseTests
{
    private const string Base = "https://pacs.example.org/dicom-web";
    private const string CtImage = "1.2.840.10008.5.1.4.1.1.2";

    [Fact]
    public void All_stored_without_warnings_is_200_with_retrieve_URLs_for_study_and_instances()
    {
        var builder = new StoreResponseBuilder(Base + "/");
        builder.AddStored("1.2.3", "1.2.3.4", CtImage, "1.2.3.4.5");
        builder.AddStored("1.2.3", "1.2.3.4", CtImage, "1.2.3.4.6");

        var response = builder.Build();

        Assert.Equal(200, builder.StatusCode);
        Assert.Equal($"{Base}/studies/1.2.3", response.GetString(DicomTag.RetrieveURL));
        Assert.False(response.Contains(DicomTag.FailedSOPSequence));
        var items = response.GetSequence(DicomTag.ReferencedSOPSequence);
        Assert.Equal(2, items.Count);
        Assert.Equal(CtImage, items[0].GetString(DicomTag.ReferencedSOPClassUID));
        Assert.Equal("1.2.3.4.5", items[0].GetString(DicomTag.ReferencedSOPInstanceUID));
        Assert.Equal($"{Base}/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5", items[0].GetString(DicomTag.RetrieveURL));
        Assert.False(items[0].Contains(DicomTag.WarningReason));
    }

    [Fact]
    public void A_warning_makes_it_202_and_is_written_on_the_instance()
    {
        var builder = new StoreResponseBuilder(Base);
        builder.AddStored("1.2.3", "1.2.3.4", CtImage, "1.2.3.4.5", StoreWarningReasons.CoercionOfDataElements);

        var item = Assert.Single(builder.Build().GetSequence(DicomTag.ReferencedSOPSequence));

        Assert.Equal(202, builder.StatusCode);
        Assert.Equal((ushort)0xB000, item.GetUInt16(DicomTag.WarningReason));
    }

    [Fact]
    public void Some_failed_is_202_with_the_failure_reasons()
    {
        var builder = new StoreResponseBuilder(Base);
        builder.AddStored("1.2.3", "1.2.3.4", CtImage, "1.2.3.4.5");
        builder.AddFailed(CtImage, "1.2.3.4.9", StoreFailureReasons.SopInstanceAlreadyExists);

        var response = builder.Build();

        Assert.Equal(202, builder.StatusCode);
        var failed = Assert.Single(response.GetSequence(DicomTag.FailedSOPSequence));
        Assert.Equal((ushort)45070, failed.GetUInt16(DicomTag.FailureReason));
        Assert.Equal("1.2.3.4.9", failed.GetString(DicomTag.ReferencedSOPInstanceUID));
    }

    [Fact]
    public void None_stored_is_409_and_an_unreadable_part_fails_with_empty_UIDs()
    {
        var builder = new StoreResponseBuilder(Base);
        builder.AddFailed(null, null, StoreFailureReasons.CannotUnderstand);
        builder.AddFailed(CtImage, "1.2.3.4.7", StoreFailureReasons.StudyInstanceUidMismatch);

        var response = builder.Build();

        Assert.Equal(409, builder.StatusCode);
        var failed = response.GetSequence(DicomTag.FailedSOPSequence);
        Assert.Equal([(ushort)0xC000, (ushort)43265], failed.Select(f => f.GetUInt16(DicomTag.FailureReason)!.Value));
        Assert.True(failed[0].Contains(DicomTag.ReferencedSOPInstanceUID));
        Assert.Equal(string.Empty, failed[0].GetString(DicomTag.ReferencedSOPInstanceUID));
        Assert.True(response.Contains(DicomTag.RetrieveURL));
        Assert.Equal(string.Empty, response.GetString(DicomTag.RetrieveURL));
        Assert.False(response.Contains(DicomTag.ReferencedSOPSequence));
    }

    [Fact]
    public void Instances_of_several_studies_leave_the_study_retrieve_URL_empty()
    {
        var builder = new StoreResponseBuilder(Base);
        builder.AddStored("1.2.3", "1.2.3.4", CtImage, "1.2.3.4.5");
        builder.AddStored("1.2.9", "1.2.9.4", CtImage, "1.2.9.4.5");

        Assert.Equal(string.Empty, builder.Build().GetString(DicomTag.RetrieveURL));
        Assert.Equal(200, builder.StatusCode);
    }

    [Fact]
    public void A_request_without_instances_is_400()
    {
        Assert.Equal(400, new StoreResponseBuilder(Base).StatusCode);
    }

    [Fact]
    public void Failure_reason_values_are_those_of_PS3_18_annex_I()
    {
        Assert.Equal(272, StoreFailureReasons.ProcessingFailure);
        Assert.Equal(290, StoreFailureReasons.SopClassNotSupported);
        Assert.Equal(0xA700, StoreFailureReasons.OutOfResources);
        Assert.Equal(43264, StoreFailureReasons.DataSetDoesNotMatchSopClass);
        Assert.Equal(0xC000, StoreFailureReasons.CannotUnderstand);
        Assert.Equal(0xC122, StoreFailureReasons.TransferSyntaxNotSupported);
        Assert.Equal(0xB006, StoreWarningReasons.ElementsDiscarded);
        Assert.Equal(0xB007, StoreWarningReasons.DataSetDoesNotMatchSopClass);
    }

    [Fact]
    public async Task Response_is_written_as_DICOM_JSON_that_reads_back()
    {
        var builder = new StoreResponseBuilder(Base);
        builder.AddStored("1.2.3", "1.2.3.4", CtImage, "1.2.3.4.5");
        builder.AddFailed(CtImage, "1.2.3.4.6", StoreFailureReasons.ProcessingFailure);
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;

        await new StoreResponseResult(builder, new NegotiatedRepresentation(DicomMediaTypes.DicomJson, false)).ExecuteAsync(context);

        Assert.Equal(202, context.Response.StatusCode);
        Assert.Equal("application/dicom+json", context.Response.ContentType);
        var json = Encoding.UTF8.GetString(body.ToArray());
        Assert.Contains("\"00081199\"", json, StringComparison.Ordinal);
        Assert.Contains("\"00081198\"", json, StringComparison.Ordinal);
        var read = DicomJsonReader.ReadDataset(body.ToArray());
        Assert.Equal((ushort)272, Assert.Single(read.GetSequence(DicomTag.FailedSOPSequence)).GetUInt16(DicomTag.FailureReason));
        Assert.Equal($"{Base}/studies/1.2.3", read.GetString(DicomTag.RetrieveURL));
    }

    [Fact]
    public async Task Response_is_written_as_DICOM_XML_that_reads_back()
    {
        var builder = new StoreResponseBuilder(Base);
        builder.AddStored("1.2.3", "1.2.3.4", CtImage, "1.2.3.4.5", StoreWarningReasons.ElementsDiscarded);
        var context = new DefaultHttpContext();
        var body = new MemoryStream();
        context.Response.Body = body;

        await new StoreResponseResult(builder, new NegotiatedRepresentation(DicomMediaTypes.DicomXml, false)).ExecuteAsync(context);

        Assert.Equal(202, context.Response.StatusCode);
        Assert.Equal("application/dicom+xml", context.Response.ContentType);
        Assert.Equal(body.Length, context.Response.ContentLength);
        body.Position = 0;
        var read = DicomXmlReader.ReadDataset(body);
        var item = Assert.Single(read.GetSequence(DicomTag.ReferencedSOPSequence));
        Assert.Equal((ushort)0xB006, item.GetUInt16(DicomTag.WarningReason));
        Assert.Equal("1.2.3.4.5", item.GetString(DicomTag.ReferencedSOPInstanceUID));
    }

    [Fact]
    public async Task A_multipart_or_non_DICOM_representation_is_refused()
    {
        var response = new DefaultHttpContext().Response;

        await Assert.ThrowsAsync<ArgumentException>(() =>
            StoreResponseResult.WriteDatasetAsync(response, new DicomDataset(), new NegotiatedRepresentation(DicomMediaTypes.DicomXml, true), default));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            StoreResponseResult.WriteDatasetAsync(response, new DicomDataset(), new NegotiatedRepresentation("image/png", false), default));
    }
}
