"""Ship the repository's templates/ inside the package, so a wheel builds decks anywhere."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithTemplates(build_py):
    def run(self):
        super().run()
        if not self.editable_mode:  # an editable install reads templates/ from the checkout
            target = Path(self.build_lib) / "qadeck" / "templates"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(Path(__file__).parent / "templates", target)


setup(cmdclass={"build_py": BuildWithTemplates})
