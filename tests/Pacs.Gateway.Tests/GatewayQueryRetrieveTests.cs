namespace Pacs.Gateway.Tests;

public class GatewaySkeletonTests
{
    [Fact]
    public void Gateway_service_delegates_query_retrieve()
    {
        var service = new GatewayDimseService(new QueryRetrieve.GatewayQueryRetrieve());
        Assert.IsAssignableFrom<Pacs.Dimse.DimseService>(service);
    }
}
