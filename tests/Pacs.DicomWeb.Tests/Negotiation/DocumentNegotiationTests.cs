using Microsoft.AspNetCore.Http;
using Pacs.DicomWeb.Negotiation;

namespace Pacs.DicomWeb.Tests.Negotiation;

/// <summary>Metadata, search results, store responses, rendered images and thumbnails.</summary>
public class DocumentNegotiationTests
{
    private static NegotiationResult Negotiate(DicomWebResourceKind kind, string? header, string? query = null, bool single = false) =>
        ContentNegotiator.Negotiate(kind, AcceptableMediaTypes.From(query, header), new RepresentationSource { SingleItem = single });

    [Theory]
    [InlineData(DicomWebResourceKind.Metadata)]
    [InlineData(DicomWebResourceKind.SearchResults)]
    [InlineData(DicomWebResourceKind.StoreResponse)]
    public void DICOM_JSON_is_the_default_of_documents(DicomWebResourceKind kind)
    {
        Assert.Equal(new NegotiatedRepresentation("application/dicom+json", false), Negotiate(kind, "*/*").Selected);
        Assert.Equal(new NegotiatedRepresentation("application/dicom+json", false), Negotiate(kind, "application/*").Selected);
    }

    [Fact]
    public void Plain_JSON_is_answered_as_plain_JSON()
    {
        var selected = Negotiate(DicomWebResourceKind.SearchResults, "application/json").Selected!;

        Assert.Equal("application/json", selected.GetContentType());
    }

    [Theory]
    [InlineData(DicomWebResourceKind.Metadata)]
    [InlineData(DicomWebResourceKind.SearchResults)]
    public void DICOM_XML_comes_as_multipart(DicomWebResourceKind kind)
    {
        var selected = Negotiate(kind, "multipart/related; type=\"application/dicom+xml\", application/dicom+json; q=0.5").Selected!;

        Assert.Equal(new NegotiatedRepresentation("application/dicom+xml", true), selected);
        Assert.Equal("multipart/related; type=\"application/dicom+xml\"; boundary=x", selected.GetContentType("x"));
    }

    [Fact]
    public void Single_part_XML_is_for_one_instance_only()
    {
        Assert.Equal(406, Negotiate(DicomWebResourceKind.SearchResults, "application/dicom+xml").Problem!.Status);
        Assert.Equal(new NegotiatedRepresentation("application/dicom+xml", false), Negotiate(DicomWebResourceKind.Metadata, "application/dicom+xml", single: true).Selected);
    }

    [Fact]
    public void Store_response_is_JSON_or_single_part_XML()
    {
        Assert.Equal(new NegotiatedRepresentation("application/dicom+xml", false), Negotiate(DicomWebResourceKind.StoreResponse, "application/dicom+xml").Selected);
        Assert.Equal(406, Negotiate(DicomWebResourceKind.StoreResponse, "multipart/related; type=\"application/dicom+xml\"").Problem!.Status);
    }

    [Fact]
    public void Document_406_lists_what_is_available()
    {
        var problem = Negotiate(DicomWebResourceKind.Metadata, "text/html").Problem!;

        Assert.Equal(406, problem.Status);
        Assert.Contains("metadata", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("application/dicom+json", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("text/html", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DicomWebResourceKind.Rendered)]
    [InlineData(DicomWebResourceKind.Thumbnail)]
    public void Rendered_images_default_to_JPEG_and_offer_PNG(DicomWebResourceKind kind)
    {
        Assert.Equal("image/jpeg", Negotiate(kind, "*/*").Selected!.MediaType);
        Assert.Equal("image/jpeg", Negotiate(kind, "image/*").Selected!.MediaType);
        Assert.Equal("image/png", Negotiate(kind, "image/png").Selected!.MediaType);
        Assert.Equal("image/png", Negotiate(kind, "image/jpeg;q=0.4, image/png;q=0.6").Selected!.MediaType);
    }

    [Fact]
    public void Accept_query_parameter_picks_the_rendered_type_over_the_header()
    {
        var result = Negotiate(DicomWebResourceKind.Rendered, "image/jpeg, image/*;q=0.8", query: "image/png");

        Assert.Equal("image/png", result.Selected!.GetContentType());
    }

    [Fact]
    public void Accept_query_parameter_is_read_from_the_request_by_its_case_sensitive_name()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString("?accept=image%2Fpng&Accept=image/gif");
        context.Request.Headers.Accept = "image/jpeg";

        var acceptable = AcceptableMediaTypes.FromRequest(context.Request);

        Assert.Equal("image/png", Assert.Single(acceptable.QueryParameter).MediaType.Essence);
        Assert.Equal("image/png", ContentNegotiator.Negotiate(DicomWebResourceKind.Rendered, acceptable).Selected!.MediaType);
    }

    [Fact]
    public void Unsupported_rendered_type_is_406_naming_the_supported_ones()
    {
        var problem = Negotiate(DicomWebResourceKind.Rendered, "image/gif").Problem!;

        Assert.Equal(406, problem.Status);
        Assert.Contains("image/jpeg, image/png", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Rendered_types_follow_what_the_server_can_encode()
    {
        var source = new RepresentationSource { RenderedMediaTypes = ["image/png"] };

        var result = ContentNegotiator.Negotiate(DicomWebResourceKind.Rendered, AcceptableMediaTypes.From(null, "*/*"), source);

        Assert.Equal("image/png", result.Selected!.MediaType);
    }

    [Fact]
    public void DICOM_and_rendered_types_together_in_the_accept_query_parameter_are_400()
    {
        var result = Negotiate(DicomWebResourceKind.Rendered, "*/*", query: "image/jpeg,application/dicom");

        Assert.Equal(400, result.Problem!.Status);
        Assert.Contains("PS3.18 8.3.3.1", result.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Selected_or_throw_raises_the_problem()
    {
        var error = Assert.Throws<Pacs.DicomWeb.Problems.DicomWebException>(() => Negotiate(DicomWebResourceKind.Rendered, "image/gif").SelectedOrThrow());

        Assert.Equal(406, error.Problem.Status);
    }
}
