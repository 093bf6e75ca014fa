using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pacs.Archive.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SeriesMetadataVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "metadata_version",
                table: "series",
                type: "TEXT",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "metadata_version",
                table: "series");
        }
    }
}
