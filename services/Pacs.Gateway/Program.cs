// The gateway on its own: DIMSE at the hospital edge, forwarding to a remote archive over DICOMweb. (Being built.)
Console.Error.WriteLine("Pacs.Gateway: not yet runnable on its own.");
return 1;
