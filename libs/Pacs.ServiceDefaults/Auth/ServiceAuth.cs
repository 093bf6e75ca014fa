using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Pacs.ServiceDefaults;

/// <summary>
/// Optional JWT bearer authentication (Microsoft.AspNetCore.Authentication.JwtBearer 8.0.x, the version the registry
/// serves, running on ASP.NET Core 10: its handler uses only APIs that are unchanged) and one authorization policy
/// that maps the HTTP method to a role (<see cref="AuthOptions"/>).
/// </summary>
public static class ServiceAuth
{
    /// <summary>The policy API endpoints carry when auth is on.</summary>
    public const string MethodRolesPolicy = "Pacs.MethodRoles";

    internal static void Add(IServiceCollection services, AuthOptions options)
    {
        if (!options.Enabled)
            return;
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            // Keep claim names as the token spells them ("roles", "sub"), not mapped to WS-Federation URIs.
            jwt.MapInboundClaims = false;
            jwt.RequireHttpsMetadata = options.RequireHttpsMetadata;
            if (!string.IsNullOrWhiteSpace(options.Authority))
                jwt.Authority = options.Authority;
            jwt.Audience = options.Audience;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = true,
                ValidIssuer = string.IsNullOrWhiteSpace(options.Issuer) ? null : options.Issuer,
                ValidateAudience = true,
                ValidAudience = options.Audience,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromSeconds(options.ClockSkewSeconds),
                RoleClaimType = options.RoleClaimType,
                NameClaimType = "sub",
            };
            if (!string.IsNullOrWhiteSpace(options.SigningKey))
            {
                jwt.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(options.SigningKey));
                jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            }
        });
        services.AddAuthorization(authorization => authorization.AddPolicy(MethodRolesPolicy, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => IsAllowed(context.User, (context.Resource as HttpContext)?.Request.Method, options))));
    }

    /// <summary>Whether <paramref name="user"/>'s roles allow <paramref name="method"/>; an unknown method needs the admin role.</summary>
    public static bool IsAllowed(ClaimsPrincipal user, string? method, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(options);
        if (user.IsInRole(options.AdminRole))
            return true;
        string? needed = method?.ToUpperInvariant() switch
        {
            "GET" or "HEAD" or "OPTIONS" => options.ReadRole,
            "POST" or "PUT" or "PATCH" => options.WriteRole,
            "DELETE" => options.DeleteRole,
            _ => null,
        };
        return needed is not null && user.IsInRole(needed);
    }

    /// <summary>
    /// Requires <see cref="MethodRolesPolicy"/> on these endpoints when <c>Service:Auth:Enabled</c> is true; does
    /// nothing otherwise (and in hosts without service defaults).
    /// </summary>
    public static TBuilder RequireServiceRoles<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint =>
        {
            if (endpoint.ApplicationServices.GetService<ServiceOptions>() is { Auth.Enabled: true })
                endpoint.Metadata.Add(new AuthorizeAttribute(MethodRolesPolicy));
        });
        return builder;
    }
}
